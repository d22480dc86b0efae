"""`pebench data import` on a fixture laid out like the public release: an image folder whose
sub-folder (the `label`) is the person name, plus a CSV with column names of its own."""
import csv

import pytest

from conftest import run_cli
from pebench_data.dataset import open_dataset


@pytest.fixture(scope="module")
def release(mini_data_dir, tmp_path_factory):
    """Export the mini data set's training view 0 and held-out view 3 as a release-style folder."""
    root = tmp_path_factory.mktemp("release")
    src = open_dataset(mini_data_dir)
    hold = src.holdout_ids()     # the release has no holdout set: export the 20 x 8 others
    names = {p["person_id"]: p["name"] for p in src.people if p["person_id"] not in hold["person"]}
    events = {e["event_id"]: e["name"] for e in src.events if e["event_id"] not in hold["event"]}
    rows = []
    for r in src.images:
        if r["view"] not in (0, 3) or r["person_id"] not in names or r["event_id"] not in events:
            continue
        rel = f"{names[r['person_id']]}/{r['image_id']}.png"
        (root / "images" / names[r["person_id"]]).mkdir(parents=True, exist_ok=True)
        r["image"].save(root / "images" / rel)
        rows.append({"file": rel, "scene": events[r["event_id"]], "extra": "x"})
    with open(root / "PEBench.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["file", "scene", "extra"])
        w.writeheader()
        w.writerows(rows)
    (root / "mapping.yaml").write_text('columns:\n  image: file\n  person: "@folder"\n  event: scene\nheldout_views: 1\n')
    return root, (sorted(names.values()), sorted(events.values()), src)


def _import(root, out, mapping="mapping.yaml", check=True):
    return run_cli("pebench", "data", "import", "--images", str(root / "images"), "--csv", str(root / "PEBench.csv"),
                   "--mapping", str(root / mapping), "--out", str(out), "--seed", "0", check=check)


def test_import_round_trip(release, tmp_path):
    root, (people, events, src) = release
    out = tmp_path / "imported"
    _import(root, out)
    d = open_dataset(out)
    assert d.meta["source"] == "imported" and d.holdout_ids() == {"person": [], "event": []}
    assert sorted(d.people["name"]) == people and len(people) == 20
    assert sorted(d.events["name"]) == events and len(events) == 8
    # 2 images per person x event pair: view 0 trains, view 1 (the release's last file) is held out
    assert len(d.images) == 2 * len(people) * len(events)
    assert sum(d.images["heldout"]) == len(people) * len(events)
    # pixels survive byte for byte (PNG bytes are kept)
    got = d.images[0]
    p_name = d.people[[p["person_id"] for p in d.people].index(got["person_id"])]["name"]
    e_name = d.events[[e["event_id"] for e in d.events].index(got["event_id"])]["name"]
    sid = [p["person_id"] for p in src.people if p["name"] == p_name][0]
    eid = [e["event_id"] for e in src.events if e["name"] == e_name][0]
    assert got["image"].tobytes() == src.image(f"{sid}_{eid}_v0").tobytes()
    # vocabulary keywords and descriptions are attached to the paper's events
    assert all(len(k) == 10 for k in d.events["keywords"])
    # person answers name the person; splits exist for every setting and hold no held-out view in training
    forget = d.qa("person_forget10", "forget")
    assert len(forget) > 0 and all(r["person_name"] in r["answer"] for r in forget)
    assert not any(d.qa("person_forget10", "goal_train")["heldout"])
    assert len(d.qa("person_forget10", "generality")) == len(forget)
    assert len(d.qa("person_forget10", "holdout")) == 0


def test_import_with_a_holdout_set(release, tmp_path):
    """mapping holdout_people: N seeded people in no training split; the MIA's non-members."""
    root, _ = release
    (root / "hold.yaml").write_text((root / "mapping.yaml").read_text() + "holdout_people: 2\n")
    out = tmp_path / "imported"
    _import(root, out, mapping="hold.yaml")
    d = open_dataset(out)
    hold = d.holdout_ids()["person"]
    assert len(hold) == 2 and len(d.people) == 20
    assert not set(d.qa(None, "finetune_train")["person_id"]) & set(hold)
    assert all(not set(d.forget_ids(s)["person"]) & set(hold) for s in ("person_forget20", "both_forget20"))
    h = d.qa("person_forget10", "holdout")
    assert set(h["person_id"]) == set(hold) and len(h) == 2 * 8      # view 0 of each holdout person's 8 images


def test_import_missing_column_is_one_clear_line(release, tmp_path):
    root, _ = release
    (root / "bad.yaml").write_text('columns:\n  image: file\n  person: "@folder"\n  event: event_name\n')
    proc = _import(root, tmp_path / "out", mapping="bad.yaml", check=False)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "event_name" in err[0] and "columns.event" in err[0]
    assert not (tmp_path / "out").exists()


def test_import_corrupt_image_leaves_nothing(release, tmp_path):
    root, _ = release
    broken = tmp_path / "rel"
    import shutil

    shutil.copytree(root, broken)
    victim = sorted((broken / "images").rglob("*.png"))[5]
    victim.write_bytes(b"not a png")
    proc = _import(broken, tmp_path / "out", check=False)
    assert proc.returncode == 2 and str(victim.name) in proc.stderr and "corrupt" in proc.stderr
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temp folder left
