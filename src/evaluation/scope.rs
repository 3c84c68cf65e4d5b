//! What an evaluation report covers: one class or course, or every class of one lab pack
//! that the instructor may see (an admin: all), reported together.

use crate::labs::Library;
use crate::store::{Store, StoreError, TestOwner};

/// Whose records a report covers: one class or course, or the classes of one lab pack.
pub struct Scope {
    pub(super) kind: &'static str,
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) pack: String,
    /// Each class or course with its name.
    pub(super) owners: Vec<(TestOwner, String)>,
}

impl Scope {
    /// One class or course.
    pub fn of(s: &Store<'_>, owner: TestOwner) -> Result<Scope, StoreError> {
        let (kind, id, name, pack) = match owner {
            TestOwner::Class(c) => {
                let r = s.class(c)?;
                ("class", c, r.name, r.pack_id)
            }
            TestOwner::Course(c) => {
                let r = s.course(c)?;
                ("course", c, r.name, r.pack_id)
            }
        };
        Ok(Scope {
            kind,
            id,
            owners: vec![(owner, name.clone())],
            name,
            pack,
        })
    }

    /// Every class of the pack the user may see (all for `None`, an admin), oldest first.
    pub fn pack(
        s: &Store<'_>,
        lib: &Library,
        user: Option<i64>,
        pack: &str,
        lang: crate::i18n::Lang,
    ) -> Result<Scope, StoreError> {
        let name = lib
            .pack(pack)
            .map_or_else(|| pack.to_owned(), |p| p.title.get(lang).to_owned());
        let mut owners: Vec<(TestOwner, String)> = s
            .classes(user)?
            .into_iter()
            .filter(|c| c.pack_id == pack)
            .map(|c| (TestOwner::Class(c.id), c.name))
            .collect();
        owners.reverse();
        Ok(Scope {
            kind: "pack",
            id: 0,
            name,
            pack: pack.to_owned(),
            owners,
        })
    }

    /// The classes or courses covered.
    pub fn owners(&self) -> Vec<TestOwner> {
        self.owners.iter().map(|(o, _)| *o).collect()
    }
}
