//! Request parts that must be JSON objects. serde's derived `Deserialize`
//! for a struct also reads a sequence, taking the fields in order, so
//! `"callback": ["a_kind", "https://…"]` would pass as a callback.
//! [`object_only!`] gives a struct (derived with `#[serde(remote =
//! "Self")]`, which makes the derived code inherent functions) a
//! `Deserialize` that accepts a map and nothing else, so the caller is
//! told which field wanted an object, and a `Serialize` that is the
//! derived one.

/// Implements `Deserialize` (objects only) and `Serialize` for `$type`,
/// which must derive both with `#[serde(remote = "Self")]`; `$expecting`
/// ends "expected …" in the error.
macro_rules! object_only {
    ($type:ident, $expecting:literal) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Fields;
                impl<'de> serde::de::Visitor<'de> for Fields {
                    type Value = $type;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<Self::Value, A::Error> {
                        $type::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_map(Fields)
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $type::serialize(self, serializer)
            }
        }
    };
}

pub(crate) use object_only;
