//! Statements built at run time with parameters numbered `$1, $2 …`, which both SQLite and
//! PostgreSQL read. (sqlx's `QueryBuilder` writes `?` for the `Any` driver: SQLite accepts it,
//! PostgreSQL rejects the statement as a syntax error.)

use std::fmt::Write as _;

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments as _, Encode, Type};

use crate::StoreError;

/// SQL text and its arguments, grown together.
#[derive(Default)]
pub(crate) struct Statement {
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
    pub(crate) fn new(sql: &str) -> Statement {
        Statement {
            sql: sql.to_owned(),
            ..Statement::default()
        }
    }

    pub(crate) fn push(&mut self, sql: &str) -> &mut Statement {
        self.sql.push_str(sql);
        self
    }

    /// Appends the next parameter (`$N`) and binds `value` to it.
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Statement
    where
        T: Encode<'static, Any> + Type<Any>,
    {
        if let Err(error) = self.arguments.add(value) {
            self.failed.get_or_insert_with(|| error.to_string());
        }
        let _ = write!(self.sql, "${}", self.arguments.len());
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
        let mut statement = Statement::new("INSERT INTO t (a, b)");
        statement.push_values([(1_i64, "x"), (2, "y")], |mut row, (a, b)| {
            row.push_bind(a).push_bind(b.to_owned());
        });
        statement.push(" RETURNING id WHERE c = ").push_bind(3_i64);
        assert_eq!(
            statement.sql,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING id WHERE c = $5"
        );
        assert_eq!(statement.arguments.len(), 5);
    }
}
