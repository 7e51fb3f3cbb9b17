//! The domain's ids and enums as PostgreSQL text columns: read with their own `parse`
//! (a stored value that breaks the domain's rules is a deserialization error, never a
//! panic) and written with their `as_str`. The domain stays free of diesel; this is
//! where the two meet.

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::{
    AccountId, AuditAction, ModuleId, ParseError, Role, Scope, ServiceName, TokenId, TokenStatus,
    UserId,
};

/// Reading and writing a type through its text form, and binding `&value` to text and
/// nullable text columns.
macro_rules! text_column {
    ($type:ty, $parse:expr) => {
        impl FromSql<Text, Pg> for $type {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let raw = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                let parse: fn(&str) -> Result<$type, ParseError> = $parse;
                Ok(parse(&raw)?)
            }
        }

        impl ToSql<Text, Pg> for $type {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl Queryable<Text, Pg> for $type {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl<'a> AsExpression<Text> for &'a $type {
            type Expression = <&'a str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'a str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $type {
            type Expression = <&'a str as AsExpression<Nullable<Text>>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'a str as AsExpression<Nullable<Text>>>::as_expression(self.as_str())
            }
        }
    };
}

/// For the ids: bound by value too (copied, for boxed queries that must own it).
macro_rules! id_column {
    ($type:ty) => {
        text_column!($type, <$type>::parse);

        impl AsExpression<Text> for $type {
            type Expression = <String as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <String as AsExpression<Text>>::as_expression(self.as_str().to_owned())
            }
        }

        impl AsExpression<Nullable<Text>> for $type {
            type Expression = <String as AsExpression<Nullable<Text>>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <String as AsExpression<Nullable<Text>>>::as_expression(self.as_str().to_owned())
            }
        }
    };
}

/// For the enums, whose text is `'static`: bound by value too.
macro_rules! enum_column {
    ($type:ty, $parse:expr) => {
        text_column!($type, $parse);

        impl AsExpression<Text> for $type {
            type Expression = <&'static str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }
    };
}

id_column!(TokenId);
id_column!(AccountId);
id_column!(UserId);
id_column!(ModuleId);
id_column!(ServiceName);
enum_column!(TokenStatus, TokenStatus::parse);
enum_column!(Scope, Scope::parse);
enum_column!(Role, Role::parse);
enum_column!(AuditAction, |raw| {
    AuditAction::parse(raw).ok_or_else(|| ParseError(format!("unknown audit action {raw:?}")))
});
