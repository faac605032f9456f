//! Limits checked while JSON streams past, before any tree of it is built:
//! how many values it holds and how deep it nests. A document of a million
//! tiny objects is refused after a walk that keeps nothing, not after
//! `serde_json::Value` has spent hundreds of megabytes on it.

use std::cell::Cell;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::FormatError;

/// Counts every value below it (itself included) against `max`, and the
/// depth of arrays and objects against `max_depth`.
pub(crate) struct Counter<'a> {
    pub count: &'a Cell<usize>,
    pub depth: usize,
    pub max: usize,
    pub max_depth: usize,
    /// "the workflow", "the safetensors header": how messages name the document.
    pub what: &'a str,
}

impl Counter<'_> {
    pub fn child(&self) -> Self {
        Counter { count: self.count, depth: self.depth + 1, max: self.max, max_depth: self.max_depth, what: self.what }
    }

    pub fn bump<E: serde::de::Error>(&self) -> Result<(), E> {
        self.count.set(self.count.get() + 1);
        if self.count.get() > self.max {
            return Err(E::custom(format!("{} holds more than {} JSON values", self.what, self.max)));
        }
        Ok(())
    }

    pub fn nest<E: serde::de::Error>(&self) -> Result<(), E> {
        self.bump()?;
        if self.depth >= self.max_depth {
            return Err(E::custom(format!("{} is nested more than {} levels deep", self.what, self.max_depth)));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counter<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.bump()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.bump()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.bump()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.bump()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.bump()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.bump()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.nest()?;
        while seq.next_element_seed(self.child())?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.nest()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(self.child())?;
        }
        Ok(())
    }
}

/// Runs `seed` over `bytes` as one JSON document; our own limits' messages
/// read as they are, the parser's say where the JSON broke.
pub(crate) fn walk<'de, S: DeserializeSeed<'de, Value = ()>>(
    bytes: &'de [u8],
    what: &str,
    seed: S,
) -> Result<(), FormatError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let walked = seed.deserialize(&mut de).and_then(|()| de.end());
    walked.map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with(what) {
            FormatError::new(msg.split(" at line ").next().unwrap_or(&msg).to_owned())
        } else {
            FormatError::new(format!("not valid JSON: {msg}"))
        }
    })
}

/// Checks `bytes` against the value and depth limits.
pub(crate) fn check(bytes: &[u8], what: &str, max: usize, max_depth: usize) -> Result<(), FormatError> {
    let count = Cell::new(0);
    walk(bytes, what, Counter { count: &count, depth: 0, max, max_depth, what })
}
