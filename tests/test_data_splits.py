"""Split integrity on a built mini folder, and the pure split functions."""
from __future__ import annotations

from pathlib import Path

import pytest

from pebench_core.names import FORGET_SIZES
from pebench_data import splits as S
from pebench_data.build import build_dataset
from pebench_data.dataset import COMMON_SPLITS, SETTINGS, SPLITS, open_dataset
from pebench_data.drawing import SCENES, kind


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("splits") / "mini"
    build_dataset(out, scale="mini", seed=3, image_size=56, workers=1, progress=False)
    return open_dataset(out)


def _df(data, setting, split):
    return data.qa(setting, split).to_pandas()


def test_names():
    assert SETTINGS == [f"{t}_{n}" for t in ("person", "event", "both") for n in ("forget05", "forget10", "forget20")]
    assert SPLITS == ["forget", "generality", "retain", "scope", "scope_control", "holdout", "goal_train", "retain_train"]
    assert COMMON_SPLITS == ["finetune_train", "pope"]


def test_forget_sets_nested_and_sized():
    pids = [f"p{i:03d}" for i in range(200)]
    eids = [f"e{i:02d}" for i in range(40)]
    f = S.choose_forget_ids(pids, eids, seed=7)
    assert [len(f[f"person_{n}"]["person"]) for n in FORGET_SIZES] == [10, 20, 40]
    assert [len(f[f"event_{n}"]["event"]) for n in FORGET_SIZES] == [2, 4, 8]
    mini = S.choose_forget_ids(pids[:20], eids[:8], seed=7)    # the mini scale: 8 events (docs/schema.md)
    assert [len(mini[f"person_{n}"]["person"]) for n in FORGET_SIZES] == [1, 2, 4]
    assert [len(mini[f"event_{n}"]["event"]) for n in FORGET_SIZES] == [1, 1, 2]
    assert [len(S.choose_forget_ids(pids[:20], eids[:16], 7)[f"event_{n}"]["event"]) for n in FORGET_SIZES] == [1, 2, 3]
    for ids in (f, mini):
        for t in ("person", "event"):
            a, b, c = (set(ids[f"{t}_{n}"][t]) for n in FORGET_SIZES)
            assert a <= b <= c
        for n in FORGET_SIZES:
            assert ids[f"both_{n}"] == {"person": ids[f"person_{n}"]["person"], "event": ids[f"event_{n}"]["event"]}
            assert ids[f"person_{n}"]["event"] == [] and ids[f"event_{n}"]["person"] == []
    assert S.choose_forget_ids(pids, eids, seed=8) != f


def test_training_splits_never_see_forget_targets_or_heldout_views(data):
    ft = _df(data, None, "finetune_train")
    assert not ft.heldout.any() and len(ft) == 480 * 14
    for setting in SETTINGS:
        f = data.forget_ids(setting)
        for split in ("goal_train", "retain", "retain_train"):
            df = _df(data, setting, split)
            assert not df.person_id.isin(f["person"]).any(), (setting, split)
            assert not df.event_id.isin(f["event"]).any(), (setting, split)
            assert not df.heldout.any()
        goal = _df(data, setting, "goal_train")
        assert set(goal.concept) == {"person", "event", "pope"}


def test_holdout_entities_are_in_no_split_but_holdout(data):
    """TOFU's holdout set: the holdout people and events are in no training split of any model and
    in no evaluation split; the holdout split asks about them (the setting's concepts)."""
    h = data.holdout_ids()
    assert (len(h["person"]), len(h["event"])) == (4, 1) and len(data.people) == 24 and len(data.events) == 9
    def about_holdout(df):
        return df.person_id.isin(h["person"]) | df.event_id.isin(h["event"])
    assert not about_holdout(_df(data, None, "finetune_train")).any() and not about_holdout(_df(data, None, "pope")).any()
    for setting in SETTINGS:
        f = data.forget_ids(setting)
        assert not set(f["person"]) & set(h["person"]) and not set(f["event"]) & set(h["event"])
        for split in SPLITS:
            if split != "holdout":
                assert not about_holdout(_df(data, setting, split)).any(), (setting, split)
        hold = _df(data, setting, "holdout")
        concepts = ({"person"} if f["person"] else set()) | ({"event"} if f["event"] else set())
        assert set(hold.concept) == concepts and not hold.heldout.any() and not hold.duplicated(["image_id", "concept"]).any()
        for c, p, e in zip(hold.concept, hold.person_id, hold.event_id):
            assert (c == "person" and p in h["person"]) or (c == "event" and e in h["event"]), (setting, c, p, e)
    n = data.meta["train_views"]
    assert len(_df(data, "person_forget10", "holdout")) == 4 * 9 * n and len(_df(data, "event_forget10", "holdout")) == 24 * n


def test_scope_control_matches_the_scope_rows_on_clean_images(data):
    """scope_control (schema 4): for each scope row, a row asking the same question about the same
    entity (the event of an event question, the person of a person question) on a clean training view
    of a retain-eval pair; as many as the scope split asks about each entity, fewer only where the
    entity has fewer such images. Schema 3 took up to retain_eval_max clean rows of any entity."""
    matched = total = 0
    for setting in SETTINGS:
        f = data.forget_ids(setting)
        ctl, scope, retain = (_df(data, setting, s) for s in ("scope_control", "scope", "retain"))
        assert not ctl.heldout.any() and not ctl.qa_id.duplicated().any(), setting
        assert not (ctl.person_id.isin(f["person"]) | ctl.event_id.isin(f["event"])).any(), setting
        pairs = set(zip(retain.person_id, retain.event_id))          # the retain-eval pairs (no cap on mini)
        assert set(zip(ctl.person_id, ctl.event_id)) <= pairs, setting
        for concept, field in (("event", "event_id"), ("person", "person_id")):
            asked = scope[scope.concept == concept][field].value_counts()
            got = ctl[ctl.concept == concept][field].value_counts()
            assert set(got.index) <= set(asked.index), (setting, concept)
            images = retain.drop_duplicates("image_id")[field].value_counts()     # clean images per entity
            for entity, n in asked.items():
                assert got.get(entity, 0) == min(n, images.get(entity, 0)), (setting, concept, entity)
        matched, total = matched + len(ctl), total + len(scope)
    assert matched >= 0.9 * total


def test_retain_eval_pairs_are_never_in_d_r(data):
    """D_r (retain_train) and the retain evaluation share no (person, event) pair, in any view, in
    every setting; together they cover the clean pairs (goal_train) and D_r keeps at least half."""
    for setting in SETTINGS:
        retain, d_r, goal = (_df(data, setting, s) for s in ("retain", "retain_train", "goal_train"))
        pairs = lambda df: set(zip(df.person_id, df.event_id))  # noqa: E731
        assert len(retain) and len(d_r), setting
        assert not pairs(retain) & pairs(d_r), setting
        assert not set(retain.image_id) & set(d_r.image_id), setting
        assert pairs(retain) | pairs(d_r) == pairs(goal), setting
        assert len(pairs(d_r)) >= len(pairs(goal)) / 2, setting
        assert set(d_r.qa_id) <= set(goal.qa_id), setting


def test_forget_generality_scope(data):
    for setting in SETTINGS:
        f = data.forget_ids(setting)
        fp, fe = set(f["person"]), set(f["event"])
        for split, held in (("forget", False), ("generality", True)):
            df = _df(data, setting, split)
            assert len(df) and (df.heldout == held).all()
            for c, p, e in zip(df.concept, df.person_id, df.event_id):
                assert (c == "person" and p in fp) or (c == "event" and e in fe), (setting, split)
        scope = _df(data, setting, "scope")
        assert len(scope) and not scope.heldout.any()
        for c, p, e in zip(scope.concept, scope.person_id, scope.event_id):
            # the OTHER concept of a forget image whose other concept is not forgotten
            assert (c == "event" and p in fp and e not in fe) or (c == "person" and e in fe and p not in fp)
        retain = _df(data, setting, "retain")
        assert set(retain.concept) == ({"person"} if fp else set()) | ({"event"} if fe else set())


def test_one_consistent_template_per_image_and_concept(data):
    chosen = {}
    for setting in SETTINGS:
        for split in ("forget", "generality", "retain", "scope"):
            df = _df(data, setting, split)
            assert not df.duplicated(["image_id", "concept"]).any()
            for img, c, t in zip(df.image_id, df.concept, df.template):
                assert chosen.setdefault((img, c), t) == t
    assert len(set(chosen.values())) > 1  # the paraphrase varies between images


def test_pope_balanced_heldout(data):
    pope = _df(data, None, "pope")
    assert pope.heldout.all() and (pope.concept == "pope").all()
    # held-out views of the images that are clean in every setting: 16 of 20 people x 6 of 8 events x 2 views
    assert (pope.target == "yes").sum() == (pope.target == "no").sum() == pope.image_id.nunique() == 16 * 6 * 2
    for setting in SETTINGS:
        f = data.forget_ids(setting)
        assert not (pope.person_id.isin(f["person"]) | pope.event_id.isin(f["event"])).any(), setting
    events = {e["name"]: e for e in data.events}
    qa = data.qa(None, "finetune_train").to_pandas()
    for df in (pope, qa[qa.concept == "pope"]):
        for q, ans, ev in zip(df.question, df.target, df.event_name):
            drawn = set(events[ev]["objects"]) | set(SCENES[ev].also)
            if ans == "yes":
                assert any(o in q for o in events[ev]["objects"]), q
            else:  # never ask about something of a kind that is drawn
                asked = [o for o in {o for e in events.values() for o in e["objects"]} if f" {o} " in q or f" {o}?" in q]
                assert asked and all(kind(a) not in {kind(d) for d in drawn} for a in asked), (q, ev)


def test_retain_cap_is_a_seeded_subset(data):
    df = _df(data, None, "finetune_train")  # any QA table works for the pure function
    table = {c: df[c].tolist() for c in ("image_id", "person_id", "event_id", "heldout", "concept", "template", "target")}
    f = data.meta["forget_ids"]
    uncapped = S.compute_splits(table, f, seed=3, retain_eval_max=10**9)
    capped = S.compute_splits(table, f, seed=3, retain_eval_max=50)
    pair = lambda rows: {(table["person_id"][i], table["event_id"][i]) for i in rows}  # noqa: E731
    for setting in SETTINGS:
        r, d_r = capped[(setting, "retain")], capped[(setting, "retain_train")]
        assert len(r) == 50 and r == sorted(r), setting
        assert not pair(r) & pair(d_r), setting
        # a small cap holds fewer pairs out of D_r; uncapped, at most half of the clean pairs
        assert len(d_r) > len(uncapped[(setting, "retain_train")]), setting
        assert len(pair(uncapped[(setting, "retain")])) == len(pair(capped[(setting, "goal_train")])) // 2, setting
    assert capped == S.compute_splits(table, f, seed=3, retain_eval_max=50)


def test_split_folder_paths(data):
    root = Path(data.root)
    for setting in SETTINGS:
        for split in SPLITS:
            assert (root / "splits" / setting / f"{split}.parquet").is_file()
    for split in COMMON_SPLITS:
        assert (root / "splits" / "common" / f"{split}.parquet").is_file()


def test_redraw_changes_only_the_forget_sets(data, tmp_path, capsys):
    """`pebench data redraw` (study key unlearn.redraw_forget): the data's own seed gives its splits
    back byte for byte; another seed draws other targets, whose splits keep every split rule."""
    from pebench_cli.cli import _main, run

    same, other = tmp_path / "same", tmp_path / "other"
    assert run(_main, ["data", "redraw", str(data.root), "--forget-seed", "3", "--out", str(same)]) == 0
    for f in sorted(data.root.glob("splits/*/*.parquet")):
        assert (same / f.relative_to(data.root)).read_bytes() == f.read_bytes(), f
    assert run(_main, ["data", "redraw", str(data.root), "--forget-seed", "4", "--out", str(other)]) == 0
    new = open_dataset(other)
    assert new.meta["forget_seed"] == 4 and new.meta["seed"] == 3
    changed = [s for s in SETTINGS if new.forget_ids(s) != data.forget_ids(s)]
    assert changed, "seed 4 drew the same targets as seed 3 everywhere"
    for s in SETTINGS:
        fid = new.forget_ids(s)
        forget = _df(new, s, "forget")
        about = forget["person_id"].isin(fid["person"]) | forget["event_id"].isin(fid["event"])
        assert len(forget) and about.all(), s       # the forget split asks about this draw's targets
        train = _df(new, s, "goal_train")      # the Goal model of this draw never sees its targets
        assert not set(train["person_id"]) & set(fid["person"]) and not set(train["event_id"]) & set(fid["event"])
        assert len(new.qa(s, "forget")) == new.meta["counts"]["splits"][s]["forget"]
    for t in ("people", "events", "images", "qa"):
        assert (other / f"{t}.parquet").read_bytes() == (data.root / f"{t}.parquet").read_bytes()
    assert run(_main, ["data", "redraw", str(data.root), "--forget-seed", "4", "--out", str(other)]) == 2
    assert "output folder exists" in capsys.readouterr().err
