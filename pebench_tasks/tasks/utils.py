"""Functions the PEBench task YAMLs reference with ``!function utils.<name>`` (see impl.py)."""
from pebench_tasks.tasks.impl import (  # noqa: F401
    agg_answer_degenerate, agg_answer_other, agg_answer_partial, agg_answer_refusal, agg_answer_true, agg_answer_unmatched,
    agg_event_efficacy_strict, agg_person_efficacy_strict, agg_geval, agg_inverse_geval, agg_inverse_offline, agg_inverse_precision, agg_judge_errors, agg_judge_no_answer,
    agg_judge_unparseable, agg_keyword_coverage, agg_offline, agg_pope_accuracy, agg_pope_f1,
    agg_pope_unparsed, agg_precision, agg_rougeL, doc_to_text, doc_to_visual, docs_fn,
    event_results_fn, group_sum, person_results_fn, scope_results_fn,
    pope_results,
)

# process_docs per task (the YAML's stub dataset is replaced by the rows of the chosen data folder)
person_forget_docs = docs_fn("person", "forget")
person_generality_docs = docs_fn("person", "generality")
person_retain_docs = docs_fn("person", "retain")
person_scope_docs = docs_fn("person", "scope")
person_scope_control_docs = docs_fn("person", "scope_control")
event_forget_docs = docs_fn("event", "forget")
event_generality_docs = docs_fn("event", "generality")
event_retain_docs = docs_fn("event", "retain")
event_scope_docs = docs_fn("event", "scope")
event_scope_control_docs = docs_fn("event", "scope_control")
pope_docs = docs_fn("pope", "pope")

# process_results per task
person_forget_results = person_results_fn("forget")
person_generality_results = person_results_fn("generality")
person_retain_results = person_results_fn("retain")
event_forget_results = event_results_fn("forget")
event_generality_results = event_results_fn("generality")
event_retain_results = event_results_fn("retain")
person_scope_results = scope_results_fn("person", "person_scope")
person_scope_control_results = scope_results_fn("person", "person_scope_control")
event_scope_results = scope_results_fn("event", "event_scope")
event_scope_control_results = scope_results_fn("event", "event_scope_control")
