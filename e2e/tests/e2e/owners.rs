//! Owners taking part themselves: the owner register (业主名册) and what rests on it.

use shared::domain::{ExclusiveArea, Holder, Owner, PhoneNumber, UnitLabel};
use tender::owners::register::{self, Source, Unit};
use wuye_e2e::{Backend, both_backends, fresh_database};

both_backends!(the_register_keeps_every_version_and_derives_its_totals);

fn unit(id: &str, room: &str, area: &str, holder: Holder) -> Unit {
    Unit {
        id: id.into(),
        compound_id: "c1".into(),
        label: UnitLabel::parse("3栋", "2单元", room).unwrap(),
        area: ExclusiveArea::parse(area).unwrap(),
        holder,
        version: 1,
        removed: false,
        updated_by: "committee".into(),
        updated_at: 1,
    }
}

fn owner(name: &str, phone: &str) -> Holder {
    Holder::owners(vec![
        Owner::new(name, Some(PhoneNumber::parse(phone).unwrap())).unwrap(),
    ])
    .unwrap()
}

/// The register's store on a real database: units written with their history, the totals
/// derived from the units as the SPC interpretation counts them (one owner of two units and
/// the developer's two unsold units each count once), a changed unit a new version, a removed
/// unit out of the totals.
async fn the_register_keeps_every_version_and_derives_its_totals(backend: Backend) {
    let url = fresh_database(&backend, "tender").await.unwrap();
    let db = shared::db::connect(&url).await.unwrap();
    db.migrate(&tender::MIGRATOR).await.unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let units = [
        unit("u1", "101", "89.57", owner("张三", "13800000001")),
        unit("u2", "102", "60", owner("张三", "13800000001")),
        unit("u3", "201", "75.50", owner("李四", "13800000002")),
        unit("u4", "301", "120", Holder::Developer),
        unit("u5", "302", "130.01", Holder::Developer),
    ];
    for u in &units {
        register::save(&mut conn, None, u, &Source::Import("i1".into()))
            .await
            .unwrap();
    }
    let stored = register::units(&mut conn, "c1").await.unwrap();
    assert_eq!(stored, units);
    let count = register::count(&stored);
    assert_eq!((count.units, count.owners), (5, 3));
    assert_eq!(count.area_centi_m2, 8957 + 6000 + 7550 + 12_000 + 13_001);

    // 李四 sells 201 to 王五: a new version; the old one stays in the history.
    let mut sold = units[2].clone();
    sold.holder = owner("王五", "13800000003");
    sold.version = 2;
    register::save(&mut conn, Some(&units[2]), &sold, &Source::Edit)
        .await
        .unwrap();
    let by_label = register::unit_by_label(&mut conn, "c1", &units[2].label)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_label, sold);
    // 102 taken out of the register: out of the totals, still readable by id.
    let mut removed = units[1].clone();
    removed.removed = true;
    removed.version = 2;
    register::save(&mut conn, Some(&units[1]), &removed, &Source::Remove)
        .await
        .unwrap();
    let count = register::count(&register::units(&mut conn, "c1").await.unwrap());
    assert_eq!((count.units, count.owners), (4, 3));
    assert!(
        register::unit(&mut conn, "c1", "u2")
            .await
            .unwrap()
            .unwrap()
            .removed
    );
    let history: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT unit_id, version, source FROM register_unit_history ORDER BY unit_id, version",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(history.len(), 7);
    assert!(history.contains(&("u3".into(), 2, "edit".into())));
    assert!(history.contains(&("u2".into(), 2, "remove".into())));
    // One unit per label and compound.
    let twin = unit("u9", "101", "1", Holder::Developer);
    assert!(
        register::save(&mut conn, None, &twin, &Source::Edit)
            .await
            .is_err()
    );
}
