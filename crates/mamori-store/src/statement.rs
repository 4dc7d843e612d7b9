//! Statements built at run time with the parameter markers of the store behind them: `$1, $2 …`
//! for PostgreSQL, `?` for SQLite.
//!
//! (sqlx's `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL rejects as a syntax
//! error. SQLite reads `$N` too, but as *named* parameters: sqlx then looks up every parameter's
//! name, and SQLite finds a name by walking the list of all of them, so a batch INSERT of 8,000
//! parameters cost 32 million string comparisons; a whole-store import of 1,000 workbooks took
//! 3.8 s instead of 0.5 s. Anonymous `?` markers are bound by position.)

use std::fmt::Write as _;

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments as _, Encode, Type};

use crate::StoreError;

/// How a store marks a statement's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Placeholders {
    /// `$1, $2 …` (PostgreSQL).
    #[default]
    Numbered,
    /// `?`, bound in the order they appear (SQLite).
    Anonymous,
}

/// SQL text and its arguments, grown together.
#[derive(Default)]
pub(crate) struct Statement {
    placeholders: Placeholders,
    sql: String,
    arguments: AnyArguments,
    /// The first argument that could not be encoded, reported when the statement is built.
    failed: Option<String>,
}

/// The values of one row inside `VALUES (…)`, separated by commas.
pub(crate) struct Row<'s> {
    statement: &'s mut Statement,
    first: bool,
}

impl Statement {
    pub(crate) fn new(placeholders: Placeholders, sql: &str) -> Statement {
        Statement {
            placeholders,
            sql: sql.to_owned(),
            ..Statement::default()
        }
    }

    pub(crate) fn push(&mut self, sql: &str) -> &mut Statement {
        self.sql.push_str(sql);
        self
    }

    /// Appends the next parameter's marker and binds `value` to it.
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Statement
    where
        T: Encode<'static, Any> + Type<Any>,
    {
        if let Err(error) = self.arguments.add(value) {
            self.failed.get_or_insert_with(|| error.to_string());
        }
        match self.placeholders {
            Placeholders::Numbered => {
                let _ = write!(self.sql, "${}", self.arguments.len());
            }
            Placeholders::Anonymous => self.sql.push('?'),
        }
        self
    }

    /// ` VALUES (…), (…)`: one row per item, filled by `row`.
    pub(crate) fn push_values<I, F>(&mut self, items: I, mut row: F)
    where
        I: IntoIterator,
        F: FnMut(Row<'_>, I::Item),
    {
        self.sql.push_str(" VALUES ");
        for (index, item) in items.into_iter().enumerate() {
            if index > 0 {
                self.sql.push_str(", ");
            }
            self.sql.push('(');
            row(
                Row {
                    statement: self,
                    first: true,
                },
                item,
            );
            self.sql.push(')');
        }
    }

    pub(crate) fn build(
        self,
        operation: &'static str,
    ) -> Result<sqlx::query::Query<'static, Any, AnyArguments>, StoreError> {
        match self.failed {
            Some(reason) => Err(StoreError::Corrupt(format!("{operation}: {reason}"))),
            None => Ok(sqlx::query_with(
                sqlx::AssertSqlSafe(self.sql),
                self.arguments,
            )),
        }
    }

    pub(crate) fn build_query_as<T>(
        self,
        operation: &'static str,
    ) -> Result<sqlx::query::QueryAs<'static, Any, T, AnyArguments>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        match self.failed {
            Some(reason) => Err(StoreError::Corrupt(format!("{operation}: {reason}"))),
            None => Ok(sqlx::query_as_with(
                sqlx::AssertSqlSafe(self.sql),
                self.arguments,
            )),
        }
    }
}

impl Row<'_> {
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any>,
    {
        if !self.first {
            self.statement.sql.push_str(", ");
        }
        self.first = false;
        self.statement.push_bind(value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_in_order() {
        let statement = sample(Placeholders::Numbered);
        assert_eq!(
            statement.sql,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING id WHERE c = $5"
        );
        assert_eq!(statement.arguments.len(), 5);
    }

    #[test]
    fn sqlite_parameters_are_anonymous() {
        let statement = sample(Placeholders::Anonymous);
        assert_eq!(
            statement.sql,
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) RETURNING id WHERE c = ?"
        );
        assert_eq!(statement.arguments.len(), 5);
    }

    fn sample(placeholders: Placeholders) -> Statement {
        let mut statement = Statement::new(placeholders, "INSERT INTO t (a, b)");
        statement.push_values([(1_i64, "x"), (2, "y")], |mut row, (a, b)| {
            row.push_bind(a).push_bind(b.to_owned());
        });
        statement.push(" RETURNING id WHERE c = ").push_bind(3_i64);
        statement
    }
}
