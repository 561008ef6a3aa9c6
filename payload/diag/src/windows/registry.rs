//! Reading the registry through `sspr-registry`: each key opened read-only in the view the
//! [`RegKey`] names.

use sspr_registry::windows::Key;

use crate::machine::{RegKey, Value};

fn open(key: &RegKey) -> Option<Key> {
    Key::open(key.hive, key.view, &key.path)
}

pub fn value(key: &RegKey, name: &str) -> Option<Value> {
    open(key)?.value(name)
}

pub fn subkeys(key: &RegKey) -> Option<Vec<String>> {
    Some(open(key)?.subkeys())
}

pub fn values(key: &RegKey) -> Option<Vec<(String, Value)>> {
    Some(open(key)?.values())
}
