//! Closed sets spelled one way. Each enum derives its names with `strum` (`IntoStaticStr`,
//! matching its serde names: a test checks every variant), and reads them back here.

/// Declares a closed set of names: the enum with the derives every such set has (copy,
/// compare, hash, serde, and strum's names, which must match serde's: see the test below) and
/// `as_str`, its one spelling. Put serde/strum renames on the enum or its variants as usual.
macro_rules! closed_set {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            strum::IntoStaticStr,
            strum::VariantArray,
        )]
        $(#[$meta])*
        $vis enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            /// The one spelling of this value (serde's too), e.g. in the database and URLs.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}
pub(crate) use closed_set;

/// `FromStr` for a closed set: its one spelling (trimmed, ASCII case ignored, see
/// [`parse_name`]), or the message `$unknown` naming what was wrong.
macro_rules! from_name {
    ($name:ident, $unknown:expr) => {
        impl std::str::FromStr for $name {
            type Err = $crate::i18n::Msg;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::domain::parse_name(s).ok_or($unknown)
            }
        }
    };
}
pub(crate) use from_name;

/// The variant whose name is `s` (trimmed, ASCII case ignored), if any.
pub fn parse_name<T>(s: &str) -> Option<T>
where
    T: strum::VariantArray + Copy + Into<&'static str>,
{
    let s = s.trim();
    T::VARIANTS
        .iter()
        .copied()
        .find(|v| (*v).into().eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::parse_name;
    use crate::domain::*;
    use serde::Serialize;
    use strum::VariantArray;

    fn same_spelling<T>()
    where
        T: VariantArray + Copy + Into<&'static str> + Serialize + std::fmt::Debug + PartialEq,
    {
        for v in T::VARIANTS {
            let name: &'static str = (*v).into();
            let json = serde_json::to_string(v).expect("json");
            assert_eq!(json, format!("\"{name}\""), "{v:?}: strum and serde agree");
            assert_eq!(parse_name::<T>(name), Some(*v));
            assert_eq!(
                parse_name::<T>(&format!(" {} ", name.to_ascii_uppercase())),
                Some(*v)
            );
        }
        assert_eq!(parse_name::<T>("no such name"), None);
    }

    #[test]
    fn every_closed_set_has_one_spelling_shared_by_strum_and_serde() {
        same_spelling::<TaskStatus>();
        same_spelling::<Region>();
        same_spelling::<Resolution>();
        same_spelling::<AspectRatio>();
        same_spelling::<ApiType>();
        same_spelling::<ImageField>();
        same_spelling::<Role>();
        same_spelling::<HistoryAction>();
        same_spelling::<Stage>();
        same_spelling::<Level>();
        same_spelling::<EndedBy>();
        same_spelling::<CallbackOutcome>();
    }
}
