//! Word's automatic numbering, rendered the way Word shows it.
//!
//! A paragraph refers to a list (`w:numPr`: `w:numId` + `w:ilvl`) directly or through its
//! paragraph style (`w:pStyle`, following `w:basedOn`). A `w:num` points at a `w:abstractNum`
//! that defines each level's start value, number format and label text (`第%1条`). Counters
//! belong to the abstract definition, shared by every `w:num` that uses it, unless the `w:num`
//! overrides a start value, in which case it counts on its own. Japanese formats are rendered
//! here because generic converters drop them (stack.md row 8).

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One level of a list definition.
#[derive(Debug, Clone)]
struct Level {
    start: u32,
    format: String,
    text: String,
    suffix: Suffix,
}

impl Default for Level {
    fn default() -> Self {
        Level {
            start: 1,
            format: "decimal".to_owned(),
            text: String::new(),
            suffix: Suffix::Tab,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    Tab,
    Space,
    Nothing,
}

/// A style as written: (basedOn, numId, ilvl).
type RawStyle = (Option<String>, Option<String>, Option<u8>);

#[derive(Debug, Default)]
struct Instance {
    abstract_id: String,
    start_overrides: BTreeMap<u8, u32>,
}

/// The list and style definitions of one document, plus the running counters.
#[derive(Debug, Default)]
pub(crate) struct Numbering {
    abstracts: BTreeMap<String, BTreeMap<u8, Level>>,
    instances: BTreeMap<String, Instance>,
    /// styleId → (numId, ilvl) after following `w:basedOn`.
    style_lists: BTreeMap<String, (String, u8)>,
    counters: BTreeMap<String, [Option<u32>; 9]>,
}

impl Numbering {
    /// Reads `word/numbering.xml` and `word/styles.xml` (either may be absent). Malformed parts
    /// give no numbering rather than an error: the text is still worth auditing.
    pub(crate) fn parse(numbering_xml: Option<&str>, styles_xml: Option<&str>) -> Numbering {
        let mut numbering = Numbering::default();
        if let Some(xml) = numbering_xml {
            numbering.read_numbering(xml);
        }
        if let Some(xml) = styles_xml {
            numbering.read_styles(xml);
        }
        numbering
    }

    /// The list a paragraph style puts its paragraphs in, if any.
    pub(crate) fn style_list(&self, style_id: &str) -> Option<(String, u8)> {
        self.style_lists.get(style_id).cloned()
    }

    /// Advances the counter of `(num_id, level)` and returns the rendered label with its
    /// separator (`第1条\t`), or `None` for `numId` 0 and unknown lists.
    pub(crate) fn next_label(&mut self, num_id: &str, level: u8) -> Option<String> {
        let level = usize::from(level.min(8));
        let instance = self.instances.get(num_id)?;
        let levels = self.abstracts.get(&instance.abstract_id)?;
        let counter_key = if instance.start_overrides.is_empty() {
            format!("a:{}", instance.abstract_id)
        } else {
            format!("n:{num_id}")
        };
        let start_of = |index: usize| -> u32 {
            let index_u8 = u8::try_from(index).unwrap_or(0);
            instance
                .start_overrides
                .get(&index_u8)
                .copied()
                .or_else(|| levels.get(&index_u8).map(|level| level.start))
                .unwrap_or(1)
        };
        let counters = self.counters.entry(counter_key).or_insert([None; 9]);
        counters[level] = Some(match counters[level] {
            Some(value) => value.saturating_add(1),
            None => start_of(level),
        });
        for deeper in counters.iter_mut().skip(level + 1) {
            *deeper = None;
        }
        let definition = levels
            .get(&u8::try_from(level).unwrap_or(0))
            .cloned()
            .unwrap_or_default();
        let mut label = String::new();
        let mut characters = definition.text.chars().peekable();
        while let Some(character) = characters.next() {
            if character == '%'
                && let Some(digit) = characters.peek().and_then(|next| next.to_digit(10))
                && (1..=9).contains(&digit)
            {
                characters.next();
                let referenced = usize::try_from(digit - 1).unwrap_or(0);
                let value = counters[referenced].unwrap_or_else(|| start_of(referenced));
                let format = levels
                    .get(&u8::try_from(referenced).unwrap_or(0))
                    .map_or("decimal", |level| level.format.as_str());
                label.push_str(&format_number(value, format));
                continue;
            }
            label.push(character);
        }
        if definition.format == "none" && !definition.text.contains('%') {
            label = definition.text.clone();
        }
        if label.is_empty() {
            return Some(String::new());
        }
        match definition.suffix {
            Suffix::Tab => label.push('\t'),
            Suffix::Space => label.push(' '),
            Suffix::Nothing => {}
        }
        Some(label)
    }

    fn read_numbering(&mut self, xml: &str) {
        let mut reader = Reader::from_str(xml);
        let mut current_abstract: Option<String> = None;
        let mut current_level: Option<u8> = None;
        let mut current_num: Option<String> = None;
        let mut override_level: Option<u8> = None;
        loop {
            let event = match reader.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(event) => event,
            };
            match event {
                Event::Start(element) | Event::Empty(element) => {
                    let name = local(&element);
                    match name.as_str() {
                        "abstractNum" => {
                            current_abstract = attribute(&element, "abstractNumId");
                        }
                        "num" => current_num = attribute(&element, "numId"),
                        "lvl" if current_num.is_none() => {
                            current_level = attribute(&element, "ilvl")
                                .and_then(|value| value.parse::<u8>().ok())
                                .filter(|level| *level < 9);
                            if let (Some(abstract_id), Some(level)) =
                                (&current_abstract, current_level)
                            {
                                self.abstracts
                                    .entry(abstract_id.clone())
                                    .or_default()
                                    .insert(level, Level::default());
                            }
                        }
                        "start" | "numFmt" | "lvlText" | "suff" if current_num.is_none() => {
                            let (Some(abstract_id), Some(level)) =
                                (&current_abstract, current_level)
                            else {
                                continue;
                            };
                            let Some(value) = attribute(&element, "val") else {
                                continue;
                            };
                            let Some(definition) = self
                                .abstracts
                                .get_mut(abstract_id)
                                .and_then(|levels| levels.get_mut(&level))
                            else {
                                continue;
                            };
                            match name.as_str() {
                                "start" => definition.start = value.parse().unwrap_or(1),
                                "numFmt" => definition.format = value,
                                "lvlText" => definition.text = value,
                                _ => {
                                    definition.suffix = match value.as_str() {
                                        "space" => Suffix::Space,
                                        "nothing" => Suffix::Nothing,
                                        _ => Suffix::Tab,
                                    }
                                }
                            }
                        }
                        "abstractNumId" => {
                            if let (Some(num_id), Some(value)) =
                                (&current_num, attribute(&element, "val"))
                            {
                                self.instances
                                    .entry(num_id.clone())
                                    .or_default()
                                    .abstract_id = value;
                            }
                        }
                        "lvlOverride" => {
                            override_level = attribute(&element, "ilvl")
                                .and_then(|value| value.parse::<u8>().ok())
                                .filter(|level| *level < 9);
                        }
                        "startOverride" => {
                            if let (Some(num_id), Some(level), Some(value)) = (
                                &current_num,
                                override_level,
                                attribute(&element, "val").and_then(|value| value.parse().ok()),
                            ) {
                                self.instances
                                    .entry(num_id.clone())
                                    .or_default()
                                    .start_overrides
                                    .insert(level, value);
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(element) => match element.local_name().as_ref() {
                    "abstractNum" => {
                        current_abstract = None;
                        current_level = None;
                    }
                    "num" => current_num = None,
                    "lvlOverride" => override_level = None,
                    _ => {}
                },
                _ => {}
            }
        }
    }

    fn read_styles(&mut self, xml: &str) {
        // styleId → (basedOn, numId, ilvl) as written; resolved after reading.
        let mut raw: BTreeMap<String, RawStyle> = BTreeMap::new();
        let mut reader = Reader::from_str(xml);
        let mut current: Option<String> = None;
        loop {
            let event = match reader.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(event) => event,
            };
            match event {
                Event::Start(element) | Event::Empty(element) => {
                    let name = local(&element);
                    match name.as_str() {
                        "style" => {
                            current = attribute(&element, "styleId");
                            if let Some(id) = &current {
                                raw.entry(id.clone()).or_default();
                            }
                        }
                        "basedOn" | "numId" | "ilvl" => {
                            let (Some(id), Some(value)) = (&current, attribute(&element, "val"))
                            else {
                                continue;
                            };
                            let entry = raw.entry(id.clone()).or_default();
                            match name.as_str() {
                                "basedOn" => entry.0 = Some(value),
                                "numId" => entry.1 = Some(value),
                                _ => entry.2 = value.parse().ok(),
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(element) if element.local_name().as_ref() == "style" => {
                    current = None;
                }
                _ => {}
            }
        }
        for id in raw.keys() {
            let mut num_id: Option<String> = None;
            let mut level: Option<u8> = None;
            let mut cursor = Some(id.clone());
            // A basedOn chain longer than the number of styles is a cycle.
            for _ in 0..=raw.len() {
                let Some(style) = cursor.take().and_then(|key| raw.get(&key)) else {
                    break;
                };
                if num_id.is_none() {
                    num_id.clone_from(&style.1);
                }
                if level.is_none() {
                    level = style.2;
                }
                if num_id.is_some() && level.is_some() {
                    break;
                }
                cursor.clone_from(&style.0);
            }
            if let Some(num_id) = num_id.filter(|num_id| num_id != "0") {
                self.style_lists
                    .insert(id.clone(), (num_id, level.unwrap_or(0)));
            }
        }
    }
}

/// Renders `value` in a Word number format (`w:numFmt`). Unknown formats fall back to decimal.
pub(crate) fn format_number(value: u32, format: &str) -> String {
    match format {
        "decimalFullWidth" | "decimalFullWidth2" => value
            .to_string()
            .chars()
            .map(|digit| {
                char::from_u32(u32::from(digit) - u32::from('0') + 0xFF10).unwrap_or(digit)
            })
            .collect(),
        "decimalZero" => format!("{value:02}"),
        "japaneseCounting"
        | "chineseCounting"
        | "chineseCountingThousand"
        | "japaneseLegal"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => kanji_counting(value),
        "ideographDigital" | "japaneseDigitalTenThousand" | "taiwaneseDigital" => value
            .to_string()
            .chars()
            .map(|digit| {
                let index = usize::try_from(digit.to_digit(10).unwrap_or(0)).unwrap_or(0);
                KANJI_DIGITS.get(index).copied().unwrap_or('〇')
            })
            .collect(),
        "decimalEnclosedCircle"
        | "decimalEnclosedCircleChinese"
        | "decimalEnclosedFullstop"
        | "decimalEnclosedParen" => enclosed_circle(value),
        "aiueoFullWidth" | "aiueo" => cycle(value, AIUEO),
        "irohaFullWidth" | "iroha" => cycle(value, IROHA),
        "ideographTraditional" => cycle(value, "甲乙丙丁戊己庚辛壬癸"),
        "ideographZodiac" => cycle(value, "子丑寅卯辰巳午未申酉戌亥"),
        "upperLetter" => letters(value, 'A'),
        "lowerLetter" => letters(value, 'a'),
        "upperRoman" => roman(value),
        "lowerRoman" => roman(value).to_lowercase(),
        "none" | "bullet" => String::new(),
        _ => value.to_string(),
    }
}

const KANJI_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const AIUEO: &str =
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
const IROHA: &str = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセスン";

fn kanji_counting(value: u32) -> String {
    if value == 0 {
        return "〇".to_owned();
    }
    let mut text = String::new();
    let mut rest = value;
    for (unit, name) in [(10_000, "万"), (1000, "千"), (100, "百"), (10, "十")] {
        let count = rest / unit;
        rest %= unit;
        if count == 0 {
            continue;
        }
        if count > 1 || unit == 10_000 {
            text.push_str(&kanji_counting(count));
        }
        text.push_str(name);
    }
    if rest > 0 {
        let index = usize::try_from(rest).unwrap_or(0);
        text.push(KANJI_DIGITS[index]);
    }
    text
}

fn enclosed_circle(value: u32) -> String {
    let code_point = match value {
        1..=20 => 0x2460 + value - 1,
        21..=35 => 0x3251 + value - 21,
        36..=50 => 0x32B1 + value - 36,
        _ => return value.to_string(),
    };
    char::from_u32(code_point).map_or_else(|| value.to_string(), String::from)
}

fn cycle(value: u32, alphabet: &str) -> String {
    let characters: Vec<char> = alphabet.chars().collect();
    let Some(index) = usize::try_from(value.max(1) - 1)
        .ok()
        .map(|index| index % characters.len())
    else {
        return value.to_string();
    };
    characters[index].to_string()
}

fn letters(value: u32, first: char) -> String {
    let value = value.max(1) - 1;
    let letter = char::from_u32(u32::from(first) + value % 26).unwrap_or(first);
    std::iter::repeat_n(letter, usize::try_from(value / 26 + 1).unwrap_or(1)).collect()
}

fn roman(mut value: u32) -> String {
    let mut text = String::new();
    for (unit, symbol) in [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ] {
        while value >= unit {
            text.push_str(symbol);
            value -= unit;
        }
    }
    text
}

/// The local name of an element (`w:lvl` → `lvl`).
pub(crate) fn local(element: &BytesStart<'_>) -> String {
    element.local_name().as_ref().to_owned()
}

/// The value of the attribute whose local name is `name`, with XML escapes resolved.
pub(crate) fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element.attributes().flatten().find_map(|attribute| {
        (attribute.key.local_name().as_ref() == name).then(|| unescape(&attribute.value))
    })
}

fn unescape(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_formats_render_like_word() {
        assert_eq!(format_number(1, "japaneseCounting"), "一");
        assert_eq!(format_number(10, "japaneseCounting"), "十");
        assert_eq!(format_number(11, "japaneseCounting"), "十一");
        assert_eq!(format_number(20, "japaneseCounting"), "二十");
        assert_eq!(format_number(101, "japaneseCounting"), "百一");
        assert_eq!(format_number(10, "ideographDigital"), "一〇");
        assert_eq!(format_number(12, "decimalFullWidth"), "１２");
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
        assert_eq!(format_number(21, "decimalEnclosedCircle"), "㉑");
        assert_eq!(format_number(2, "aiueoFullWidth"), "イ");
        assert_eq!(format_number(3, "irohaFullWidth"), "ハ");
        assert_eq!(format_number(4, "upperRoman"), "IV");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
    }

    #[test]
    fn counters_are_shared_per_abstract_and_reset_below() {
        let xml = r#"<w:numbering xmlns:w="w">
          <w:abstractNum w:abstractNumId="7">
            <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl>
            <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="japaneseCounting"/><w:lvlText w:val="%2"/><w:suff w:val="nothing"/></w:lvl>
          </w:abstractNum>
          <w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>
          <w:num w:numId="2"><w:abstractNumId w:val="7"/></w:num>
          <w:num w:numId="3"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
        </w:numbering>"#;
        let mut numbering = Numbering::parse(Some(xml), None);
        assert_eq!(numbering.next_label("1", 0).as_deref(), Some("第1条 "));
        assert_eq!(numbering.next_label("1", 1).as_deref(), Some("一"));
        assert_eq!(numbering.next_label("1", 1).as_deref(), Some("二"));
        assert_eq!(numbering.next_label("2", 0).as_deref(), Some("第2条 "));
        assert_eq!(numbering.next_label("1", 1).as_deref(), Some("一"));
        assert_eq!(numbering.next_label("3", 0).as_deref(), Some("第5条 "));
        assert_eq!(numbering.next_label("0", 0), None);
    }

    #[test]
    fn styles_carry_numbering_through_based_on() {
        let styles = r#"<w:styles xmlns:w="w">
          <w:style w:styleId="Base"><w:pPr><w:numPr><w:numId w:val="4"/></w:numPr></w:pPr></w:style>
          <w:style w:styleId="Article"><w:basedOn w:val="Base"/></w:style>
          <w:style w:styleId="Loop"><w:basedOn w:val="Loop"/></w:style>
        </w:styles>"#;
        let numbering = Numbering::parse(None, Some(styles));
        assert_eq!(numbering.style_list("Article"), Some(("4".to_owned(), 0)));
        assert_eq!(numbering.style_list("Loop"), None);
    }
}
