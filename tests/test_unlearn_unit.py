"""Fast tests of `unlearn` pieces that need no training: configs, CLI errors, losses, samplers,
the guard, and the fast encoder against the processor."""
from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from pebench_core.errors import UserError
from pebench_core import config as C
from unlearn.data.datasets import BalancedConceptSampler, Stream
from unlearn.methods import REGISTRY, canonical, known_methods
from unlearn.methods.base import NO_BGD, BGDConfig, forget_ascent, kl_ref_theta, seq_logp, seq_nll
from unlearn.trainers.guard import Guard, GuardConfig, TrainingDiverged

from conftest import run_cli


# ----------------------------------------------------------------------------- configs
def test_method_configs_resolve_and_overrides():
    from unlearn.run import resolve_config

    for m in known_methods():
        cfg = resolve_config(m)
        assert cfg["method"]["name"] in REGISTRY
        assert cfg["lora"]["r"] in (1, 8, 16, 32, 64, 128, 256, 320, 512)
    cfg = resolve_config("gd_bgd", overrides=["train.lr=1e-4", "lora.r=16", "bgd.cap=9"])
    assert cfg["bgd"]["enabled"] is True and cfg["train"]["lr"] == 1e-4 and cfg["lora"]["r"] == 16
    assert cfg["bgd"]["cap"] == 9
    with pytest.raises(UserError, match="unknown key"):
        resolve_config("ga", overrides=["train.lrr=1"])
    with pytest.raises(UserError, match="key.sub=value"):
        C.apply_overrides({}, ["novalue"])
    assert C.apply_overrides({"a": {}}, ["+a.b=1e-3"])["a"]["b"] == 1e-3


def test_typed_blocks_come_from_the_yaml_only(tmp_path):
    """Every typed block builds from every shipped config; a missing key, a key the block does not
    know and a mistyped value are each one line naming block.key, also from a user's --config file."""
    from pebench_core.settings import from_block
    from unlearn.finetune import resolve_config as finetune_config
    from unlearn.run import resolve_config
    from unlearn.settings import EvalSettings, FinetuneDataSettings, UnlearnDataSettings

    for m in known_methods():
        assert UnlearnDataSettings.from_cfg(resolve_config(m)).forget_split == "forget"
    model = _fake_model_dir(tmp_path)
    for name in ("tiny.yaml", "lora.yaml", "full.yaml"):
        cfg = finetune_config(model, name)
        assert FinetuneDataSettings.from_cfg(cfg).concepts == ["person", "event", "pope"]
        assert EvalSettings.from_cfg(cfg).final is True
    base = resolve_config("gd")
    assert BGDConfig.from_cfg(base) == NO_BGD
    broken = {**base, "bgd": {"enabled": False, "temperature": 1.0}}
    with pytest.raises(UserError, match=r"^config: bgd.cap is not set \(task_configs/unlearn/_base.yaml"):
        BGDConfig.from_cfg(broken)
    with pytest.raises(UserError, match=r"^config: data.forget_spilt is not a known key; known: forget_split, "):
        from_block(UnlearnDataSettings, {"data": {**base["data"], "forget_spilt": "x"}}, "data", "_base.yaml")
    with pytest.raises(UserError, match=r"^config key guard.max_grad_norm: expected a number, got 'big'"):
        resolve_config("gd", overrides=["guard.max_grad_norm=big"])
    with pytest.raises(UserError, match=r"^config key data.repeat.person: expected an integer, got 1.5"):
        finetune_config(model, None, ["data.repeat.person=1.5"])
    user = tmp_path / "user.yaml"
    user.write_text("data: {retain_concept: [person]}\n")
    p = run_cli("unlearn", "run", "--method", "gd", "--target", "person", "--model", str(model), "--data", "x",
                "--out", str(tmp_path / "o"), "--config", str(user), "--dry-run", check=False)
    assert p.returncode == 2 and "data.retain_concept is not a known key" in p.stderr and p.stderr.count("\n") == 1


def test_unknown_method_lists_known():
    with pytest.raises(UserError) as e:
        canonical("gradient_magic")
    for m in ("ga", "gd", "kl", "po", "dpo", "npo", "siu", "gd_bgd", "kl_bgd"):
        assert m in str(e.value)


def _fake_model_dir(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "qwen2_vl"}))
    return d


def test_cli_dry_run_and_bad_input(tmp_path):
    model = _fake_model_dir(tmp_path)
    p = run_cli("unlearn", "run", "--method", "kl_bgd", "--target", "both", "--forget", "forget05", "--model", str(model),
                "--data", str(tmp_path / "nodata"), "--out", str(tmp_path / "o"), "--dry-run", "train.max_steps=7")
    assert "max_steps: 7" in p.stdout and "enabled: true" in p.stdout and "method: kl" in p.stdout
    assert not (tmp_path / "o").exists()
    p = run_cli("unlearn", "run", "--method", "magic", "--target", "person", "--model", str(model), "--data", "x",
                "--out", str(tmp_path / "o"), check=False)
    assert p.returncode == 2 and "unknown method 'magic'" in p.stderr and "npo" in p.stderr
    assert p.stderr.count("\n") == 1, p.stderr
    p = run_cli("unlearn", "run", "--method", "ga", "--target", "person", "--model", str(model), "--data", "x",
                "--out", str(tmp_path / "o"), "lora.r=12", check=False)
    assert p.returncode == 2 and "lora.r=12" in p.stderr and "lora.r=16" in p.stderr
    p = run_cli("unlearn", "run", "--method", "ga", "--target", "person", "--model", str(model), "--data", "x",
                "--out", str(tmp_path / "o"), "train.nosuch=1", check=False)
    assert p.returncode == 2 and "unknown key" in p.stderr
    p = run_cli("unlearn", "finetune", "--model", str(model), "--data", "x", "--out", str(tmp_path / "o"),
                "--split", "goal_train", check=False)
    assert p.returncode == 2 and "--setting" in p.stderr
    p = run_cli("unlearn", "run", "--method", "gd", "--target", "person", "--model", str(model), "--data",
                str(tmp_path / "nodata"), "--out", str(tmp_path / "o"), check=False)
    assert p.returncode == 2 and "no such data folder" in p.stderr
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- losses
def _toy(B=3, T=6, V=11, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, T, V, generator=g)
    labels = torch.full((B, T), -100)
    labels[:, 3:] = torch.randint(0, V, (B, 3), generator=g)
    return logits, labels


def test_sequence_losses_match_cross_entropy():
    logits, labels = _toy()
    per_row = seq_nll(logits, labels)
    for i in range(3):
        ce = torch.nn.functional.cross_entropy(logits[i, :-1], labels[i, 1:], ignore_index=-100)
        assert torch.allclose(per_row[i], ce, atol=1e-6)
    assert torch.allclose(seq_logp(logits, labels), -per_row * 3, atol=1e-5)   # 3 answer tokens per row


def test_kl_direction_is_ref_to_theta():
    logits, labels = _toy()
    assert float(kl_ref_theta(logits, logits.clone(), labels)) == pytest.approx(0.0, abs=1e-7)
    other = logits + torch.randn_like(logits)
    lg, lb = other[:, :-1][labels[:, 1:] != -100], logits[:, :-1][labels[:, 1:] != -100]
    want = (lb.softmax(-1) * (lb.log_softmax(-1) - lg.log_softmax(-1))).sum(-1).mean()   # KL(p_ref || p_θ)
    back = (lg.softmax(-1) * (lg.log_softmax(-1) - lb.log_softmax(-1))).sum(-1).mean()
    assert float(kl_ref_theta(other, logits, labels)) == pytest.approx(float(want), rel=1e-5)
    assert abs(float(want) - float(back)) > 1e-3          # the two directions differ on this case


def _softmax(xs):
    m = max(xs)
    e = [math.exp(x - m) for x in xs]
    return [v / sum(e) for v in e]


def test_dual_masked_kl_by_hand():
    """V = 4, one row, two target tokens (1, 2); the forgotten concept is token 3, the unseen name
    token 2. Position 0 (target 1) is kept; position 1 (target 2, the unseen name) is dropped by the
    token mask. Token 3 gets p_ref = 0 without renormalisation."""
    from unlearn.methods.siu import dual_masked_kl

    labels = torch.tensor([[-100, 1, 2]])
    ref = torch.tensor([[[0.0, 2.0, 0.0, 1.0], [3.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
    theta = torch.tensor([[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
    concept, new = torch.tensor([[3, -1]]), torch.tensor([[2]])
    p_ref, p_th = _softmax([0.0, 2.0, 0.0, 1.0]), _softmax([1.0, 0.0, 0.0, 0.0])
    want = sum(p_ref[v] * (math.log(p_ref[v]) - math.log(p_th[v])) for v in (0, 1, 2))
    assert float(dual_masked_kl(theta, ref, labels, concept, new)) == pytest.approx(want, rel=1e-6)
    # without an unseen name both positions are kept: position 1 adds its own KL
    p_ref1, p_th1 = _softmax([3.0, 0.0, 0.0, 0.0]), _softmax([0.0, 0.0, 5.0, 0.0])
    both = (want + sum(p_ref1[v] * (math.log(p_ref1[v]) - math.log(p_th1[v])) for v in (0, 1, 2))) / 2
    assert float(dual_masked_kl(theta, ref, labels, concept, torch.tensor([[-1]]))) == pytest.approx(both, rel=1e-6)
    # with renormalisation over V \ C (the old rule) the value would differ
    z = sum(p_ref[v] for v in (0, 1, 2))
    renorm = sum(p_ref[v] / z * (math.log(p_ref[v] / z) - math.log(p_th[v])) for v in (0, 1, 2))
    assert abs(renorm - want) > 1e-3
    # nothing kept (every target token is the unseen name's) -> 0
    assert float(dual_masked_kl(theta, ref, labels, concept, torch.tensor([[1, 2]]))) == 0.0


class _Bigram(torch.nn.Module):
    """A real (tiny) causal LM: next-token logits depend on the current token only."""

    def __init__(self, table):
        super().__init__()
        self.table = torch.nn.Parameter(torch.tensor(table))
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, input_ids, use_cache=False, **_):
        from types import SimpleNamespace

        return SimpleNamespace(logits=self.drop(self.table[input_ids]))


def test_siu_loss_through_the_method_is_taken_on_the_unseen_name_targets():
    from unlearn.methods import build_method
    from unlearn.methods.base import LossContext

    ref_table = [[0.0, 2.0, 0.0, 1.0], [3.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 2.0], [0.0, 0.0, 1.0, 0.0]]
    theta_table = [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]
    model, ref = _Bigram(theta_table), _Bigram(ref_table)
    model.eval()
    ids = torch.tensor([[0, 1, 2]])            # prompt token 0, answer tokens 1, 2
    lab = torch.tensor([[-100, 1, 2]])
    true_ids = torch.tensor([[0, 3, 2]])       # the true answer starts with the concept token 3
    true_lab = torch.tensor([[-100, 3, 2]])
    concept, new = torch.tensor([[3, -1]]), torch.tensor([[2]])   # answer token 2 is the unseen name
    inputs = {"forget_alt": {"input_ids": ids, "labels": lab, "concept": torch.tensor([0]), "concept_ids": concept,
                             "new_ids": new},
              "forget": {"input_ids": true_ids, "labels": true_lab, "concept": torch.tensor([0]), "concept_ids": concept},
              "retain": {"input_ids": ids, "labels": lab, "concept": torch.tensor([0])}}
    meth = build_method("siu", {"retain_weight": 1.0, "dmk_weight": 1.0})
    loss, logs = meth.loss(LossContext(model, ref_model=ref), inputs)
    # by hand: target NLL (positions 0 -> 1, 1 -> 2) + retain NLL (same rows) + DMK (position 0 only:
    # the target token at position 1 is the unseen name's)
    nll = -(math.log(_softmax(theta_table[0])[1]) + math.log(_softmax(theta_table[1])[2])) / 2
    p_ref, p_th = _softmax(ref_table[0]), _softmax(theta_table[0])
    dmk = sum(p_ref[v] * (math.log(p_ref[v]) - math.log(p_th[v])) for v in (0, 1, 2))
    assert logs["dmk"] == pytest.approx(dmk, rel=1e-5)
    assert float(loss.detach()) == pytest.approx(nll + nll + dmk, rel=1e-5)


def test_reference_runs_in_eval_mode_and_equals_the_finetune_model_after_a_step():
    """Dropout is on in training: the reference must still be deterministic and equal to the frozen
    Finetune model after the adapter has moved."""
    from peft import LoraConfig, get_peft_model

    from unlearn.methods.base import LossContext

    torch.manual_seed(0)

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(6, 8)
            self.drop = torch.nn.Dropout(0.5)
            self.q_proj = torch.nn.Linear(8, 6)
            self.config = type("C", (), {"use_return_dict": True, "tie_word_embeddings": False})()

        def forward(self, input_ids, use_cache=False, **_):
            from types import SimpleNamespace

            return SimpleNamespace(logits=self.q_proj(self.drop(self.emb(input_ids))))

    base = Tiny()
    frozen = Tiny()
    frozen.load_state_dict(base.state_dict())
    frozen.eval()
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj"], lora_dropout=0.0))
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
    batch = {"input_ids": torch.tensor([[1, 2, 3, 4]])}
    for _ in range(2):                       # the adapter moves (B starts at 0)
        model(**batch).logits.pow(2).mean().backward()
        opt.step()
        opt.zero_grad()
    ctx = LossContext(model)
    r1, r2 = ctx.ref_logits(batch), ctx.ref_logits(batch)
    assert model.training                    # restored
    assert torch.equal(r1, r2)               # no dropout in the reference
    assert torch.allclose(r1, frozen(**batch).logits, atol=1e-6)
    assert not torch.allclose(model(**batch).logits.detach(), r1, atol=1e-3)


# Every method through its Method class on a 2-token toy batch of the _Bigram model, against
# a hand computation from the bigram tables (position t predicts label t+1 from token t).
_THETA = [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]
_REF = [[0.0, 2.0, 0.0, 1.0], [3.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 2.0], [0.0, 0.0, 1.0, 0.0]]


def _row(ids, concept=0):
    ids = torch.tensor([ids])
    return {"input_ids": ids, "labels": torch.cat([torch.tensor([[-100]]), ids[:, 1:]], 1), "concept": torch.tensor([concept])}


def _logp(table, ids):
    """Per answer token log p(ids[t+1] | ids[t]) under ``table``."""
    return [math.log(_softmax(table[a])[b]) for a, b in zip(ids[:-1], ids[1:])]


def _kl(p_tab, q_tab, ids):
    """mean over answer positions of KL(p || q) of the next-token distributions."""
    vals = []
    for a in ids[:-1]:
        p, q = _softmax(p_tab[a]), _softmax(q_tab[a])
        vals.append(sum(pi * (math.log(pi) - math.log(qi)) for pi, qi in zip(p, q)))
    return sum(vals) / len(vals)


FORGET, RETAIN, REFUSAL = [0, 3, 2], [2, 1, 2], [0, 1, 2]     # prompt token 0 / 2, two answer tokens


@pytest.mark.parametrize("method", ["ga", "gd", "kl", "npo", "dpo", "po"])
def test_each_method_loss_through_its_class_by_hand(method):
    from unlearn.methods import build_method
    from unlearn.methods.base import LossContext

    model, ref = _Bigram(_THETA), _Bigram(_REF)
    model.eval()
    inputs = {"forget": _row(FORGET), "retain": _row(RETAIN), "forget_alt": _row(REFUSAL)}
    cfg = {"retain_weight": 0.5, "beta": 0.2, "monitor_forget": False}
    meth = build_method(method, {k: cfg[k] for k in type(build_method(method, cfg)).params})
    loss, _ = meth.loss(LossContext(model, ref_model=ref), inputs)
    nll = lambda tab, ids: -sum(_logp(tab, ids)) / (len(ids) - 1)  # noqa: E731
    logp = lambda tab, ids: sum(_logp(tab, ids))  # noqa: E731
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    a, b = 0.5, 0.2
    want = {
        "ga": -nll(_THETA, FORGET),
        "gd": -nll(_THETA, FORGET) + a * nll(_THETA, RETAIN),
        "kl": -nll(_THETA, FORGET) + a * _kl(_REF, _THETA, RETAIN),        # KL(p_ref || p_theta)
        "npo": -(2 / b) * math.log(sig(-b * (logp(_THETA, FORGET) - logp(_REF, FORGET)))) + a * nll(_THETA, RETAIN),
        "dpo": -(2 / b) * math.log(sig(b * ((logp(_THETA, REFUSAL) - logp(_REF, REFUSAL))
                                            - (logp(_THETA, FORGET) - logp(_REF, FORGET))))) + a * nll(_THETA, RETAIN),
        "po": nll(_THETA, REFUSAL) + a * nll(_THETA, RETAIN),
    }[method]
    assert float(loss.detach()) == pytest.approx(want, rel=1e-5)
    # at the reference (theta == ref) NPO and DPO's preference terms are (2/beta) log 2
    if method in ("npo", "dpo"):
        same, _ = meth.loss(LossContext(_Bigram(_REF).eval(), ref_model=ref), inputs)
        assert float(same.detach()) == pytest.approx(2 / b * math.log(2) + a * nll(_REF, RETAIN), rel=1e-5)


def test_bgd_batches_are_half_person_half_event_and_each_concept_has_its_own_loss():
    """BGD through GD's class: a batch of 2 person + 2 event forget rows (what the balanced sampler
    gives, checked on the real dataset below) -> -(w_p L_p + w_e L_e) + alpha L_r, with w from the
    per-concept losses (stop-gradient); each concept's rows get the gradient of their own term."""
    from unlearn.data.datasets import UnlearnDataset
    from unlearn.methods import build_method
    from unlearn.methods.base import LossContext

    model = _Bigram(_THETA)
    model.eval()
    rows = [([0, 3, 2], 0), ([0, 1, 2], 0), ([2, 1, 2], 1), ([1, 2, 0], 1)]
    forget = {"input_ids": torch.tensor([r for r, _ in rows]),
              "labels": torch.tensor([[-100, *r[1:]] for r, _ in rows]), "concept": torch.tensor([c for _, c in rows])}
    meth = build_method("gd", {"retain_weight": 1.0}, BGDConfig(enabled=True, temperature=2.0, cap=None))
    loss, logs = meth.loss(LossContext(model), {"forget": forget, "retain": _row(RETAIN)})
    nll = [-sum(_logp(_THETA, r)) / 2 for r, _ in rows]
    L_p, L_e = (nll[0] + nll[1]) / 2, (nll[2] + nll[3]) / 2
    w_p = math.exp(-L_p / 2) / (math.exp(-L_p / 2) + math.exp(-L_e / 2))
    assert logs["forget_nll_person"] == pytest.approx(L_p, rel=1e-5) and logs["forget_nll_event"] == pytest.approx(L_e, rel=1e-5)
    assert logs["bgd_w_person"] == pytest.approx(w_p, rel=1e-5)
    assert float(loss.detach()) == pytest.approx(-(w_p * L_p + (1 - w_p) * L_e) - sum(_logp(_THETA, RETAIN)) / 2, rel=1e-5)
    assert L_p != pytest.approx(L_e)          # the two concept losses are not one mean
    # the balanced dataset: every even-sized batch is half person, half event rows
    from unlearn.data import AugmentConfig
    from unlearn.data.encode import Encoded

    enc = [Encoded(torch.tensor([1]), torch.tensor([1]), f"img{i}", {"concept": c}) for i, c in
           enumerate(["person"] * 3 + ["event"] * 9)]
    ds = UnlearnDataset(enc, None, None, encoder=None, length=40, seed=0, aug=AugmentConfig(enabled=False, shift_px=0, brightness=0.0, noise=0.0), balanced=True)
    for start in range(0, 40, 4):
        kinds = [enc[ds.forget_index(i)].meta["concept"] for i in range(start, start + 4)]
        assert kinds.count("person") == kinds.count("event") == 2, kinds


def test_bgd_forget_term():
    nll = torch.tensor([2.0, 2.0, 6.0, 6.0], requires_grad=True)
    concept = torch.tensor([0, 0, 1, 1])
    logs: dict = {}
    plain = forget_ascent(nll, concept, NO_BGD, logs)
    assert float(plain.detach()) == pytest.approx(-4.0)
    assert logs["forget_nll_person"] == 2.0 and logs["forget_nll_event"] == 6.0 and logs["forget_nll_min"] == 2.0
    logs = {}
    t = forget_ascent(nll, concept, BGDConfig(enabled=True, temperature=1.0, cap=None), logs)
    w_p = math.exp(-2) / (math.exp(-2) + math.exp(-6))
    assert logs["bgd_w_person"] == pytest.approx(w_p)        # the lagging (less forgotten) concept weighs more
    assert float(t.detach()) == pytest.approx(-(w_p * 2 + (1 - w_p) * 6))
    logs = {}
    t = forget_ascent(nll, concept, BGDConfig(enabled=True, temperature=0.0, cap=4.0), logs)
    assert float(t.detach()) == pytest.approx(-(0.5 * 2 + 0.5 * 4))
    t.backward()
    assert nll.grad[2:].abs().sum() == 0 and nll.grad[:2].abs().sum() > 0   # capped concept: no more ascent


# ----------------------------------------------------------------------------- samplers, guard
def test_streams_are_deterministic_and_balanced():
    s1, s2 = Stream(7, 3, "x"), Stream(7, 3, "x")
    seq = [s1(k) for k in range(21)]
    assert seq == [s2(k) for k in range(21)]
    assert sorted(seq[:7]) == list(range(7)) and sorted(seq[7:14]) == list(range(7))
    assert seq[:7] != [Stream(7, 4, "x")(k) for k in range(7)]
    b = BalancedConceptSampler({"person": 3, "event": 11}, seed=0)
    draws = [b(i) for i in range(16)]
    assert [g for g, _ in draws[:8]].count("person") == 4
    with pytest.raises(UserError):
        BalancedConceptSampler({"person": 0, "event": 5}, seed=0)


def test_guard_messages():
    g = Guard(dataclasses.replace(GuardConfig.nan_only(), forget_loss_target=5.0, max_forget_loss=20.0))
    g.check_loss(torch.tensor(-3.0), {"forget_nll": 3.0, "forget_nll_min": 3.0}, 0)
    assert g.trip is None
    g.check_loss(torch.tensor(-5.5), {"forget_nll": 5.5, "forget_nll_min": 5.5}, 6)
    assert g.trip[0] == "target" and "step 7" in g.trip[1]
    g = Guard(dataclasses.replace(GuardConfig.nan_only(), max_forget_loss=20.0))
    g.check_loss(torch.tensor(-25.0), {"forget_nll": 25.0}, 3)
    assert g.trip[0] == "blowup" and "max_forget_loss" in g.trip[1]
    with pytest.raises(TrainingDiverged, match="nothing was saved"):
        Guard(GuardConfig.nan_only()).check_loss(torch.tensor(float("nan")), {}, 0)
    with pytest.raises(TrainingDiverged):
        Guard(GuardConfig.nan_only()).check_grad_norm(float("inf"), 0)


# ----------------------------------------------------------------------------- encoder
@pytest.mark.parametrize("arch_fixture", ["tiny_qwen2_vl_dir", "tiny_llava_dir"])
def test_fast_encoder_matches_processor(request, arch_fixture, mini_data_dir):
    """Tokenise-once + patchify-once == the processor (and the models helper's build_inputs)."""
    from pebench_data.dataset import open_dataset
    from unlearn.data import Encoder
    from unlearn.data.augment import AugmentConfig, augment
    from helpers import build_inputs
    from unlearn.models import load_model_and_processor

    model_dir = request.getfixturevalue(arch_fixture)
    _, processor = load_model_and_processor(model_dir)
    data = open_dataset(mini_data_dir)
    rows = data.qa(None, "finetune_train").select(range(3)).to_list()
    enc = Encoder(processor)
    assert enc.arch in ("qwen2_vl", "llava")
    encoded = []
    for r in rows:
        enc.add_image(r["image_id"], data.image(r["image_id"]))
        encoded.append(enc.encode(r["image_id"], r["question"], r["answer"]))
    ref = build_inputs(processor, [data.image(r["image_id"]) for r in rows], [r["question"] for r in rows],
                       [r["answer"] for r in rows])
    mine = enc.collate(encoded, pad_side="left")
    for k in ("input_ids", "attention_mask", "labels"):
        assert torch.equal(mine[k], ref[k]), k
    assert torch.allclose(mine["pixel_values"], ref["pixel_values"], atol=1e-5)
    # augmentation: deterministic per generator, changes the pixels, keeps shape and range
    raw = enc.raw_image(rows[0]["image_id"])
    a1 = augment(raw, np.random.default_rng(1), AugmentConfig(enabled=True, shift_px=10, brightness=0.2, noise=0.03))
    a2 = augment(raw, np.random.default_rng(1), AugmentConfig(enabled=True, shift_px=10, brightness=0.2, noise=0.03))
    assert torch.equal(a1, a2) and a1.shape == raw.shape and not torch.equal(a1, raw)
    assert float(a1.min()) >= 0 and float(a1.max()) <= 1


def test_batched_vision_attention_equals_original(tiny_qwen2_vl_dir, mini_data_dir):
    from pebench_data.dataset import open_dataset
    from helpers import build_inputs
    from unlearn.models import load_model_and_processor
    from unlearn.trainers import speed

    model, processor = load_model_and_processor(tiny_qwen2_vl_dir)
    data = open_dataset(mini_data_dir)
    rows = data.qa(None, "finetune_train").select(range(0, 60, 15)).to_list()
    batch = build_inputs(processor, [data.image(r["image_id"]) for r in rows], [r["question"] for r in rows])
    with torch.no_grad():
        speed.unpatch()
        ref = model(**batch).logits
        speed.patch_qwen2_vl_vision_attention()
        try:
            new = model(**batch).logits
        finally:
            speed.unpatch()
    assert torch.allclose(ref, new, atol=1e-4)


def test_precomputed_positions_equal_the_models_own(tiny_qwen2_vl_dir, mini_data_dir):
    """Training batches carry Qwen2-VL's M-RoPE positions built on the CPU (speed.precompute_positions:
    on a GPU the model's own loop syncs the device per row and image): the logits are the same,
    bit for bit, for rows of different lengths (right padding); the vision layout read once per
    forward gives the same logits as the per-block read."""
    from pebench_data.dataset import open_dataset
    from unlearn.data import Encoder, load_rows
    from unlearn.models import load_model_and_processor
    from unlearn.trainers import speed

    model, processor = load_model_and_processor(tiny_qwen2_vl_dir)
    enc = Encoder(processor)
    rows = load_rows(open_dataset(mini_data_dir).split("person_forget10", "retain_train").select(range(0, 400, 40)), enc)
    assert len({len(r.input_ids) for r in rows}) > 1                  # padding is exercised
    plain = enc.collate(rows)
    with_pos = enc.collate(rows, positions=True)
    assert with_pos["position_ids"].shape == (3, *plain["input_ids"].shape)
    assert "position_ids" not in plain
    inputs = {k: v for k, v in plain.items() if k != "labels"}
    speed.patch_qwen2_vl_vision_attention()
    try:
        with torch.no_grad():
            ref = model(**inputs).logits
            new = model(**inputs, position_ids=with_pos["position_ids"]).logits
            model.model.rope_deltas = None
    finally:
        speed.unpatch()
    assert torch.equal(ref, new)
    # a wrong position table does change the logits (the argument is used, not ignored; a uniform
    # shift would not: rotary positions are relative)
    with torch.no_grad():
        off = model(**inputs, position_ids=torch.zeros_like(with_pos["position_ids"])).logits
    assert not torch.allclose(ref, off, atol=1e-4)


def test_method_hyper_parameters_come_from_their_yaml_only():
    from pebench_core.errors import UserError
    from unlearn.methods import REGISTRY, build_method
    from unlearn.run import resolve_config

    for name, cls in REGISTRY.items():
        cfg = resolve_config(name)
        meth = build_method(name, cfg["method"]["params"])
        assert all(k in meth.cfg for k in cls.params), name
        assert not hasattr(cls, "defaults"), name          # no second copy of the values in Python
    with pytest.raises(UserError, match="method.params.beta is not set"):
        build_method("npo", {"retain_weight": 1.0})


def test_lazy_rows_encode_on_first_access_and_equal_eager_rows(tiny_qwen2_vl_dir, mini_data_dir):
    """The retain pool of an unlearning run is encoded on first use (a full-scale split has 201,600
    rows): nothing is encoded up front, and any access order gives the eager encoding."""
    from pebench_data.dataset import open_dataset
    from unlearn.data import Encoder, LazyRows, load_rows
    from unlearn.models import load_model_and_processor

    _, processor = load_model_and_processor(tiny_qwen2_vl_dir)
    split = open_dataset(mini_data_dir).split("person_forget10", "retain_train")
    keep = lambda r: r["concept"] == "person"  # noqa: E731
    lazy_enc, eager_enc = Encoder(processor), Encoder(processor)
    lazy = LazyRows(split, lazy_enc, keep)
    eager = load_rows(split, eager_enc, keep)
    assert len(lazy) == len(eager) > 0 and not lazy_enc._images      # no image decoded yet
    for k in (len(lazy) - 1, 0, len(lazy) // 2, 0):                   # any order, repeats
        a, b = lazy[k], eager[k]
        assert torch.equal(a.input_ids, b.input_ids) and torch.equal(a.labels, b.labels)
        assert a.meta == b.meta and torch.equal(lazy_enc.raw_image(a.image_key), eager_enc.raw_image(b.image_key))
    assert len(lazy_enc._images) <= 3


def test_siu_targets_replace_the_concept_by_an_unseen_one(mini_data_dir):
    from pebench_data.dataset import open_dataset
    from unlearn.data.unseen import EVENTS, PERSONS, unseen_answer

    data = open_dataset(mini_data_dir)
    known = [*data.people["name"], *data.events["name"]]
    assert not {n.lower() for n in PERSONS + EVENTS} & {k.lower() for k in known}
    text, name = unseen_answer("This is Anh Santoso, a trainer from Lagos.", "Anh Santoso", "person", "q1", 0, known)
    assert name in PERSONS and text == f"This is {name}, a trainer from Lagos."
    text, name = unseen_answer("Unwinding at the seaside.", "beach relaxing", "event", "q2", 0, known)
    assert name in EVENTS and text == f"This is a {name}."
    # chosen by (seed, qa_id): stable, and spread over the pool
    assert unseen_answer("This is X Y.", "X Y", "person", "q1", 0)[1] == unseen_answer("This is X Y.", "X Y", "person", "q1", 0)[1]
    assert len({unseen_answer("This is X Y.", "X Y", "person", f"q{i}", 0)[1] for i in range(40)}) > 5
    # a data set that uses a pool name never gets it
    assert unseen_answer("This is X Y.", "X Y", "person", "q1", 0, known=PERSONS[1:])[1] == PERSONS[0]
