use super::*;

#[test]
fn the_shipped_labs_and_pack_load() {
    let lib = Library::embedded().unwrap_or_else(|p| {
        panic!(
            "{}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    for id in [
        "account-setup",
        "locked-account",
        "certificate-renewal",
        "sms-expired",
        "filing-practice",
        "filing-validation",
        "filing-network-drop",
        "filing-correction",
        "filing-late",
        "credit-repair",
        "refund-green-channel",
        "risk-arrears",
        "dispute-late-fee",
        "filing-import",
        "proofs-practice",
        "queries-practice",
    ] {
        let lab = lib.lab(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(lab.max_points(), 100, "{id}");
    }
    let pack = lib.pack("etax-basics").unwrap();
    assert_eq!(pack.labs.len(), 27);
    assert_eq!(lib.ordered()[0].id, "account-setup");
}

fn problems(text: &str) -> Vec<String> {
    match Library::from_files([("labs/x.toml".to_owned(), text.to_owned())]) {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(ToString::to_string).collect(),
    }
}

const GOOD: &str = r#"id = "x"
title = { zh = "标题", en = "Title" }
story = { zh = "你是 {me.name}。", en = "You are {me.name}." }
minutes = 5
pass_mark = 60

[setup]
presets = ["general-services"]
as = "tax_clerk"

[[steps]]
text = { zh = "登录。", en = "Log in." }

[[checks]]
id = "in"
kind = "logged_in"
points = 100
"#;

#[test]
fn a_good_file_has_no_problems() {
    assert_eq!(problems(GOOD), Vec::<String>::new());
}

#[test]
fn problems_name_the_file_the_line_and_what_is_wrong() {
    let cases = [
        (GOOD.replace("kind = \"logged_in\"", "kind = \"logged_on\""), "x.toml:14: check \"in\": unknown variant `logged_on`"),
        (GOOD.replace("points = 100", "points = 90"), "x.toml:14: the checks' points add up to 90; they must add up to 100"),
        (GOOD.replace("general-services", "no-such-preset"), "x.toml:8: preset \"no-such-preset\" is missing from fixtures/presets"),
        (GOOD.replace("as = \"tax_clerk\"", "as = \"boss\""), "x.toml:9: setup.as \"boss\" is not a role"),
        (GOOD.replace("minutes = 5", "minutes = 5\ncolour = \"red\""), "x.toml:5: unknown field `colour`"),
        (GOOD.replace("kind = \"logged_in\"", "kind = \"logged_in\"\nmethod = \"pigeon\""), "x.toml:14: check \"in\": unknown variant `pigeon`"),
        (GOOD.replace("kind = \"logged_in\"", "kind = \"logged_in\"\nwho = \"me\""), "unknown field `who`"),
        (GOOD.replace("{me.name}。", "{me.nickname}。"), "unknown placeholder {me.nickname}"),
        (GOOD.replace("id = \"in\"", "id = \"in\"\nstep = 3"), "step 3 is not one of the lab's 1 steps"),
        (GOOD.replace("as = \"tax_clerk\"", "as = \"tax_clerk\"\nfaults = [{ kind = \"maintenance\", module = \"tea\", minutes = 5 }]"), "x.toml:10: setup.faults: module \"tea\" is not one of"),
        (GOOD.replace("as = \"tax_clerk\"", "as = \"tax_clerk\"\nfaults = [{ kind = \"maintenance\", module = \"login\", minutes = 9223372036854775807 }]"), "x.toml:10: setup.faults: minutes must be 1 to 600"),
        (GOOD.replace("as = \"tax_clerk\"", "as = \"tax_clerk\"\nfaults = [{ kind = \"sms_delay\", minutes = 0, count = 1 }]"), "x.toml:10: setup.faults: minutes must be 1 to 600"),
    ];
    for (text, want) in cases {
        let got = problems(&text);
        assert!(
            got.iter().any(|p| p.contains(want)),
            "want {want:?}, got {got:?}"
        );
    }
}

#[test]
fn a_pack_must_name_existing_labs() {
    let err = Library::from_files([
        ("labs/x.toml".to_owned(), GOOD.to_owned()),
        (
            "packs/p.toml".to_owned(),
            "id = \"p\"\ntitle = { zh = \"包\", en = \"Pack\" }\ndescription = { zh = \"\", en = \"\" }\nlabs = [\"x\", \"y\"]\n".to_owned(),
        ),
    ])
    .unwrap_err();
    assert_eq!(
        err[0].to_string(),
        "p.toml:4: lab \"y\" is not a lab file's id"
    );
}

mod properties {
    use proptest::prelude::*;

    use super::file::parse_lab;

    const SHIPPED: &[&str] = &[
        include_str!("../../scenarios/labs/account-setup.toml"),
        include_str!("../../scenarios/labs/filing-late.toml"),
        include_str!("../../scenarios/labs/certificate-renewal.toml"),
    ];

    proptest! {
        // A lab file anyone wrote, damaged anywhere: a lab, or problems with a place; never
        // a panic (a broken file must not take the server down at start).
        #[test]
        fn a_damaged_lab_file_is_a_lab_or_located_problems(
            which in 0usize..3,
            at in 0usize..4000,
            cut in 0usize..40,
            insert in prop_oneof![".{0,12}", Just("= -99999999999999999999".to_owned()), Just("[[steps]]\n".to_owned()), Just("minutes = 9223372036854775807\n".to_owned())],
        ) {
            let text = SHIPPED[which];
            let chars: Vec<char> = text.chars().collect();
            let at = at.min(chars.len());
            let end = (at + cut).min(chars.len());
            let damaged: String = chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect();
            if let Err(problems) = parse_lab("damaged.toml", &damaged) {
                prop_assert!(!problems.is_empty());
            }
        }

        #[test]
        fn any_text_is_a_lab_or_problems(text in ".{0,300}") {
            if let Err(problems) = parse_lab("any.toml", &text) {
                prop_assert!(!problems.is_empty());
            }
        }
    }
}

#[test]
fn numbers_in_a_lab_file_out_of_range_are_refused_not_panicked_on() {
    let base = include_str!("../../scenarios/labs/locked-account.toml");
    let from = r#"{ kind = "locked", minutes = 120 }"#;
    assert!(base.contains(from));
    for minutes in ["9223372036854775807", "0", "10081"] {
        let text = base.replacen(
            from,
            &format!(r#"{{ kind = "locked", minutes = {minutes} }}"#),
            1,
        );
        let problems = file::parse_lab("locked-account.toml", &text).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.to_string().contains("minutes must be 1 to 10080")),
            "{minutes}: {problems:?}"
        );
    }
}
