//! The `_Validation` table for a package: one row per column of every table, from the
//! database's own column definitions and the standard schema (validate::schema).

use crate::validate::schema::{self, Category};
use crate::validate::Database;

/// The table as an IDT file for `msibuild -i`.
pub fn idt(db: &Database) -> String {
    let mut out = String::from(
        "Table\tColumn\tNullable\tMinValue\tMaxValue\tKeyTable\tKeyColumn\tCategory\tSet\tDescription\n\
         s32\ts32\ts4\tI4\tI4\tS255\tI2\tS32\tS255\tS255\n\
         _Validation\tTable\tColumn\n",
    );
    for (name, table) in &db.tables {
        if name.starts_with('_') {
            continue;
        }
        for column in &table.columns {
            let spec = schema::column(name, &column.name);
            let (min, max) = match spec.and_then(|s| s.range) {
                Some((min, max)) => (min.to_string(), max.to_string()),
                None if column.integer => ("-2147483647".into(), "2147483647".into()),
                None => (String::new(), String::new()),
            };
            let (key_table, key_column) = match spec.and_then(|s| s.key) {
                Some((t, c)) => (t.to_owned(), c.to_string()),
                None => (String::new(), String::new()),
            };
            let category = match spec.map(|s| s.category) {
                Some(Category::Integer) | None if column.integer => "",
                Some(category) => category.name(),
                None => "Text",
            };
            out.push_str(&format!(
                "{name}\t{}\t{}\t{min}\t{max}\t{key_table}\t{key_column}\t{category}\t\t\n",
                column.name,
                if column.nullable { "Y" } else { "N" },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::database::build::{db, table};

    #[test]
    fn one_row_per_column_with_category_and_key() {
        let db = db(vec![(
            "FeatureComponents",
            table(&["Feature_", "Component_"], 2, &[]),
        )]);
        let text = idt(&db);
        let rows: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(
            rows,
            [
                "FeatureComponents\tFeature_\tN\t\t\tFeature\t1\tIdentifier\t\t",
                "FeatureComponents\tComponent_\tN\t\t\tComponent\t1\tIdentifier\t\t",
            ]
        );
    }
}
