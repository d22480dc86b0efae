"""Answer kinds on hand-written answers (pebench_tasks/metrics/answer_kinds.py)."""
import pytest

from pebench_tasks.metrics.answer_kinds import answer_kind, is_refusal, vocabulary_of

PEOPLE = ["Adebola Okafor", "Mei Lin", "Lars Eriksen"]
EVENTS = ["media interview", "marathon", "art gallery visit"]
VOCAB = vocabulary_of(["This is Adebola Okafor.", "This is Mei Lin at a marathon.", "A media interview in a studio.",
                       "They are running a marathon through the city.", "Visitors look at paintings."])


@pytest.mark.parametrize("answer, kind", [
    ("This is Adebola Okafor.", "true"),
    ("ADEBOLA-OKAFOR", "true"),
    ("This is Mei Lin.", "other"),                          # another known person: the Goal-like answer
    ("I'm sorry, I don't know who this person is.", "refusal"),
    ("I cannot identify the person in this image.", "refusal"),
    ("", "degenerate"),
    ("Mei Mei Mei Mei Mei", "degenerate"),                  # repetition (not a full known name)
    ("is is this this is is this", "degenerate"),
    ("zorbl quix vent plonk", "degenerate"),                # no known words
    ("This is Adebola.", "unmatched"),                      # a first name alone is not the full name
])
def test_person_answers(answer, kind):
    assert answer_kind(answer, "person", "Adebola Okafor", PEOPLE, VOCAB) == kind


@pytest.mark.parametrize("answer, kind", [
    ("A media interview in a studio.", "true"),
    ("They talk in a studio with the crew.", "true"),       # half of the reference's keywords (studio, crew)
    ("They are running a marathon.", "other"),
    ("I can't tell what event this is.", "refusal"),
    ("studio studio studio studio", "true"),                # names a reference keyword: checked before degenerate
    ("the the the the the", "degenerate"),
    ("They are in the city.", "unmatched"),
])
def test_event_answers(answer, kind):
    assert answer_kind(answer, "event", "media interview", EVENTS, VOCAB, reference_keywords=["studio", "crew"]) == kind


def test_every_refusal_template_of_the_methods_is_a_refusal():
    from unlearn.data import refusals

    for templates in refusals.DEFAULTS.values():
        for t in templates:
            assert is_refusal(t), t
    assert not is_refusal("This is Mei Lin.")
