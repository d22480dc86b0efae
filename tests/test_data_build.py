"""`pebench data build/show` and the reader: schema, counts, determinism, identities, bad input."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pebench_cli.cli import _main, run
from pebench_data.build import build_dataset
from pebench_data.dataset import SETTINGS, SPLITS, open_dataset
from pebench_data.writer import SCHEMA_VERSION
from pebench_data.drawing import APPEARANCE_OPTIONS, SCENES, render, view_rng
from pebench_data.profiles import make_people
from pebench_data.qa import EVENT_QUESTIONS, PERSON_QUESTIONS, POPE_QUESTIONS
from pebench_data.vocab import load_vocab
from pebench_core.errors import UserError

SIZE = 56  # smallest allowed: keeps the module fast
N_QA = len(PERSON_QUESTIONS) + len(EVENT_QUESTIONS) + len(POPE_QUESTIONS)


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "mini"
    build_dataset(out, scale="mini", seed=0, image_size=SIZE, workers=1, progress=False)
    return out


def test_schema_and_counts(mini):
    data = open_dataset(mini)
    m = data.meta
    assert m["schema_version"] == 4 and m["source"] == "synthetic" and m["scale"] == "mini"
    # 20 people x 8 events, plus the holdout set: 4 people and 1 event in no training split
    assert (m["n_people"], m["n_events"], m["views"], m["train_views"], m["image_size"]) == (24, 9, 5, 3, SIZE)
    assert m["holdout_ids"] == {"person": ["p020", "p021", "p022", "p023"], "event": ["e08"]}
    assert len(data.people) == 24 and len(data.events) == 9
    # holdout images: their 3 training-index views only (4 x 9 + 20 x 1 pairs)
    assert len(data.images) == 800 + (4 * 9 + 20 * 1) * 3 == 968
    assert sum(data.images["heldout"]) == 320
    assert all(h == (v >= 3) for h, v in zip(data.images["heldout"], data.images["view"]))
    assert type(data.images.features["image"]).__name__ == "Image"
    assert data.image("p003_e05_v2").size == (SIZE, SIZE)
    qa = open_dataset(mini).qa(None, "finetune_train")
    assert len(qa) == 480 * N_QA == 6720
    assert set(qa.column_names) >= {"qa_id", "image_id", "concept", "template", "question", "answer", "target",
                                    "person_name", "event_name", "event_keywords"}
    assert m["counts"]["qa"] == 968 * N_QA
    # POPE: held-out views of the 16 x 6 images clean in every setting (forget20: 4 people, 2 events)
    assert m["counts"]["splits"]["common"] == {"finetune_train": 6720, "pope": 2 * 16 * 6 * 2}
    # 2 forget persons x 8 events: 48 forget rows (3 training views), 32 generality rows (2 held-out
    # views); half of the 18 x 8 clean pairs (72 x 3 training views) are retain-eval pairs (retain),
    # the other half is D_r (72 x 3 x 14 rows); scope_control: one clean row per scope row (the same
    # event); holdout: 4 holdout people x 9 events x 3 views
    assert m["counts"]["splits"]["person_forget10"] == {"forget": 48, "generality": 32, "retain": 216, "scope": 48,
                                                        "scope_control": 48, "holdout": 108,
                                                        "goal_train": 6048, "retain_train": 3024}


def _expected(person_ids, event_ids, views, train_views, f, hold, retain_max=1000):
    """Split sizes straight from the definitions in docs/schema.md (independent of splits.py)."""
    P, E = set(f["person"]), set(f["event"])
    c = dict.fromkeys(SPLITS, 0)
    for p, e in itertools.product(person_ids, event_ids):
        hp, he = p in hold["person"], e in hold["event"]
        if hp or he:      # holdout images: training-index views only, in the holdout split alone
            c["holdout"] += train_views * ((hp and bool(P)) + (he and bool(E)))
            continue
        for v in range(views):
            train, fp, fe = v < train_views, p in P, e in E
            if fp or fe:
                c["forget" if train else "generality"] += fp + fe
                if train:
                    c["scope"] += (fp and not fe) + (fe and not fp)
            elif train:
                c["goal_train"] += N_QA
    # half of the clean (person, event) pairs are retain-eval pairs (fewer if retain_max needs fewer);
    # their training views give the retain rows, the other pairs' training views are D_r
    # (scope_control: tests/test_data_splits.py, it depends on which pairs were drawn)
    clean_pairs = sum(1 for p, e in itertools.product(person_ids, event_ids)
                      if p not in P | set(hold["person"]) and e not in E | set(hold["event"]))
    per_pair = train_views * (bool(P) + bool(E))
    held = min(clean_pairs // 2, -(-retain_max // per_pair))
    c["retain"] = min(held * per_pair, retain_max)
    c["retain_train"] = (clean_pairs - held) * train_views * N_QA
    return c


def test_every_split_count_matches_definition(mini):
    data = open_dataset(mini)
    pids, eids = data.people["person_id"], data.events["event_id"]
    for setting in SETTINGS:
        exp = _expected(pids, eids, 5, 3, data.forget_ids(setting), data.holdout_ids())
        got = {s: len(data.qa(setting, s)) for s in SPLITS}
        assert got == {**exp, "scope_control": got["scope_control"]} == data.meta["counts"]["splits"][setting], setting
        assert 0.9 * exp["scope"] <= got["scope_control"] <= exp["scope"], setting
    assert len(data.qa(None, "pope")) == 2 * 16 * 6 * 2


def test_split_joins_pixels(mini):
    data = open_dataset(mini)
    ds = data.split("person_forget10", "forget")
    assert "image" in ds.column_names and len(ds) == 48
    row = ds[3]
    assert np.array_equal(np.asarray(row["image"]), np.asarray(data.image(row["image_id"])))
    # a split larger than one pixel chunk (4,096 rows): rows on both sides of the boundary keep their image
    big = data.split(None, "finetune_train")
    assert len(big) == len(data.qa(None, "finetune_train")) > 4096
    for i in (0, 4095, 4096, len(big) - 1):
        assert np.array_equal(np.asarray(big[i]["image"]), np.asarray(data.image(big[i]["image_id"]))), i
    texts = list(data.texts())
    assert len(texts) == len(set(texts))
    assert set(data.people["name"]) <= set(texts) and "Who is the person in this image?" in texts


def test_answers(mini):
    data = open_dataset(mini)
    qa = data.qa(None, "finetune_train").to_pandas()
    person = qa[qa.concept == "person"]
    assert all(n in a and a.startswith("This is ") for n, a in zip(person.person_name, person.answer))
    descr = dict(zip(data.events["name"], data.events["description"]))
    event = qa[qa.concept == "event"]
    assert all(descr[n] == a for n, a in zip(event.event_name, event.answer))
    assert set(qa[qa.concept == "pope"].target) == {"yes", "no"}
    assert qa.qa_id.is_unique


def test_build_is_deterministic(mini, tmp_path):
    again = tmp_path / "again"
    build_dataset(again, scale="mini", seed=0, image_size=SIZE, workers=2, progress=False)  # other worker count
    files = sorted(p.relative_to(mini) for p in mini.rglob("*") if p.is_file() and p.name != "contact_sheet.png")
    assert sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file()) == files
    for rel in files:
        assert (mini / rel).read_bytes() == (again / rel).read_bytes(), rel
    other = tmp_path / "seed1"
    build_dataset(other, scale="mini", seed=1, image_size=SIZE, workers=1, progress=False)
    for rel in ("images.parquet", "people.parquet", "meta.json"):
        assert (mini / rel).read_bytes() != (other / rel).read_bytes(), rel


def test_identities_distinct_at_full_scale():
    for seed in (0, 1):
        people = make_people(200, seed)
        looks = [json.loads(p["appearance"]) for p in people]
        assert all(set(lk) == set(APPEARANCE_OPTIONS) for lk in looks) and len(APPEARANCE_OPTIONS) >= 8
        for a, b in itertools.combinations(looks, 2):
            assert sum(a[k] != b[k] for k in a) >= 3
        names = [p["name"] for p in people]
        assert len(set(names)) == 200
        for p in people:
            for part in (p["first_name"], p["last_name"]):
                assert part.isascii() and part.isalpha(), part
            assert p["name"] == f"{p['first_name']} {p['last_name']}"
        assert len({p["occupation_category"] for p in people}) == 17 and len({p["region"] for p in people}) == 7


def test_forty_distinct_event_designs():
    vocab_events = [e["name"] for e in load_vocab()["events"]]
    assert sorted(vocab_events) == sorted(SCENES)
    assert len({s.draw for s in SCENES.values()}) == 40
    look = json.loads(make_people(1, 0)[0]["appearance"])
    imgs = {n: np.asarray(render(look, n, SIZE, view_rng(0, 0, 0, 0)), dtype=np.float32) for n in vocab_events}
    for a, b in itertools.combinations(vocab_events, 2):
        assert np.abs(imgs[a] - imgs[b]).mean() > 8, (a, b)
    for s in SCENES.values():
        assert len(s.objects) >= 3, s.name


def _cli(argv, capsys):
    code = run(_main, argv)
    return code, capsys.readouterr().err.strip().splitlines()


def test_cli_bad_input(tmp_path, capsys, mini):
    out = tmp_path / "x"
    for size in ("100", "28"):
        code, err = _cli(["data", "build", "--out", str(out), "--image-size", size], capsys)
        assert code == 2 and len(err) == 1 and "--image-size" in err[0] and "multiple of 28" in err[0]
    assert list(tmp_path.iterdir()) == []
    before = (mini / "meta.json").read_bytes()
    code, err = _cli(["data", "build", "--out", str(mini), "--image-size", str(SIZE)], capsys)
    assert code == 2 and len(err) == 1 and "--overwrite" in err[0]
    assert (mini / "meta.json").read_bytes() == before
    with pytest.raises(SystemExit) as e:
        _main(["data", "build", "--scale", "huge", "--out", str(out)])
    assert e.value.code == 2 and not out.exists()
    assert "invalid choice: 'huge'" in capsys.readouterr().err
    code, err = _cli(["data", "show", str(tmp_path / "nope")], capsys)
    assert code == 2 and len(err) == 1 and "no such data folder" in err[0]


def test_no_partial_output_on_failure(tmp_path, monkeypatch):
    from pebench_data import writer

    real, calls = writer._to_parquet, []

    def fail_on_fourth_table(ds, path):  # after people/events/images were written into the temp folder
        calls.append(path)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        real(ds, path)

    monkeypatch.setattr(writer, "_to_parquet", fail_on_fourth_table)
    with pytest.raises(RuntimeError):
        build_dataset(tmp_path / "out", scale="mini", image_size=SIZE, workers=1, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_open_dataset_errors(tmp_path, mini):
    with pytest.raises(UserError, match="no such data folder"):
        open_dataset(tmp_path / "missing")
    with pytest.raises(UserError, match="not a PEBench data folder"):
        open_dataset(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(UserError, match="schema_version 99"):
        open_dataset(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
    with pytest.raises(UserError, match="missing people.parquet"):
        open_dataset(tmp_path)
    data = open_dataset(mini)
    with pytest.raises(UserError, match="unknown setting 'person_forget50'.*person_forget10"):
        data.qa("person_forget50", "forget")
    with pytest.raises(UserError, match="unknown split 'test'.*generality.*finetune_train"):
        data.qa("person_forget10", "test")
    assert len(data.qa(None, "pope")) == len(data.qa("anything", "pope"))


def test_show_prints_counts_and_writes_sheet(mini, tmp_path, capsys):
    sheet = tmp_path / "sheet.png"
    code = run(_main, ["data", "show", str(mini), "--sheet", str(sheet)])
    out = capsys.readouterr().out
    assert code == 0
    assert "person_forget10" in out and "6048" in out and "common/pope" in out
    img = Image.open(sheet)
    assert img.size[0] > 8 * SIZE and img.size[1] > 20 * SIZE
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.png"]  # nothing left from the atomic write
