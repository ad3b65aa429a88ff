"""The fault corpus: every way a hostile but ordinary user broke a promise, run again, one table.

    python benchmarks/faults.py            # about 10 minutes on 2 cores; prints the table and the counts
    python benchmarks/faults.py --list     # the cases and the tests that reproduce them, without running

Each case is reproduced by tests of the suite (a full disk by injected ENOSPC, a second run into a
folder, a hand-edited model folder, a planted pickle, a phone photo, SIGTERM, ...); a case holds
when every one of its tests passes. "nothing lost" is the case's own promise: the old file, model,
checkpoint or run is still whole afterwards (cases about refusing input have nothing to lose).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (case, what happens now, whether something could be lost, the tests that show it)
CORPUS = [
    ("full disk writing a video, GIF or strip", "one line naming the file and the cause, exit 1; the old file stays",
     True, ["test_full_disk.py"]),
    ("full disk writing run files (metrics, legs, config, loss plot)", "the old version stays",
     True, ["test_full_disk_training.py::test_run_files_keep_the_old_version"]),
    ("full disk inside a checkpoint", "the last complete checkpoint stays; no tmp_step_N",
     True, ["test_full_disk_training.py::test_a_failed_checkpoint_keeps_the_last_one"]),
    ("full disk writing a model folder", "the old model stays whole",
     True, ["test_full_disk_training.py::test_a_failed_model_folder_keeps_the_old_model"]),
    ("full disk in the latent cache, a VAE run, every command", "no half file; one line, exit 1",
     True, ["test_full_disk_training.py::test_a_failed_latent_cache_leaves_no_file",
            "test_full_disk_training.py::test_a_failed_vae_run_keeps_the_old_files",
            "test_full_disk_training.py::test_train_cli_full_disk_is_one_line_exit_1",
            "test_full_disk_training.py::test_eval_cli_full_disk_is_one_line_exit_1",
            "test_full_disk_training.py::test_convert_cli_full_disk_is_one_line_exit_1",
            "test_full_disk_training.py::test_data_cli_full_disk_is_one_line_exit_1",
            "test_full_disk_training.py::test_demo_cli_full_disk_is_one_line_exit_1",
            "test_full_disk_training.py::test_vae_train_cli_full_disk_is_one_line_exit_1"]),
    ("legs.json ahead of the model", "legs.json is written after the model",
     True, ["test_full_disk_training.py::test_legs_are_written_only_after_the_model"]),
    ("a second run into a run folder", "refused unless --resume or --overwrite says which",
     True, ["test_run_lock.py::test_a_second_run_needs_resume_or_overwrite",
            "test_run_lock.py::test_cli_refuses_a_second_run_in_one_line"]),
    ("two runs at once into one folder", "the second is refused in one line (train.lock)",
     True, ["test_run_lock.py::test_two_processes_at_once", "test_run_lock.py::test_a_held_lock_refuses_a_second_run_in_one_line",
            "test_run_lock.py::test_a_lock_refuses_resume_too"]),
    ("a stale lock of a dead process", "taken over with a message",
     False, ["test_run_lock.py::test_a_stale_lock_is_taken_over"]),
    ("another run's checkpoint in the folder", "never resumed from nor pruned (run ids)",
     True, ["test_run_lock.py::test_each_checkpoint_names_its_run_and_another_runs_is_never_resumed_nor_pruned"]),
    ("a model folder missing a key the sampler needs", "refused, naming the file and the key",
     False, ["test_model_folder_keys.py"]),
    ("a pickle planted in a checkpoint", "refused unread without --trust-pickle; its payload never runs",
     False, ["test_resume_no_pickle.py"]),
    ("convert into a folder holding files", "refused unless --overwrite; nothing removed it did not create",
     True, ["test_convert.py::test_convert_refuses_an_out_that_holds_files_unless_overwrite",
            "test_convert.py::test_convert_refuses_a_partial_folder_it_did_not_write",
            "test_convert.py::test_save_model_folder_never_removes_a_partial_folder_it_did_not_write"]),
    ("a phone photo with EXIF orientation", "used upright",
     False, ["test_video_io.py::test_exif_orientation_turns_a_phone_photo_upright"]),
    ("an animated image, a folder or a URL given as one image", "each refused with its own message",
     False, ["test_video_io.py::test_an_animated_image_is_refused_where_one_frame_is_expected",
             "test_video_io.py::test_a_folder_and_a_url_get_their_own_messages"]),
    ("a cut, badly written or NaN latent cache", "one line naming the file",
     False, ["test_faults_cache.py::test_a_cut_cache_file_is_one_line_naming_it",
             "test_faults_cache.py::test_a_cache_with_bad_json_names_the_json_file",
             "test_faults_cache.py::test_nan_in_the_cache_is_found_when_it_is_loaded"]),
    ("Ctrl-C while sampling", "one line, exit 130, nothing written",
     True, ["test_faults_cache.py::test_ctrl_c_while_sampling_is_one_line_exit_130_and_writes_nothing"]),
    ("10,000 prompts in one call", "sampled max_batch at a time, the same noise as one batch",
     False, ["test_faults_cache.py::test_max_batch_chunks_draw_the_same_noise_as_one_batch",
             "test_faults_cache.py::test_a_batch_is_cut_only_where_no_step_draws_noise"]),
    ("SIGTERM while training, exporting or writing a video", "exit 143, no temporary left, the run resumes",
     True, ["test_sigterm.py"]),
    ("SIGKILL inside a checkpoint, Ctrl-C, a NaN loss", "the last good checkpoint stays; resume equals a straight run",
     True, ["test_interrupted_training.py"]),
]


def _node(test: str) -> str:
    return f"tests/{test}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--list", action="store_true", help="print the cases and their tests without running them")
    args = p.parse_args(argv)
    if args.list:
        for case, what, _, tests in CORPUS:
            print(f"{case}: {what}\n    " + "\n    ".join(tests))
        return 0
    nodes = sorted({_node(t) for *_, tests in CORPUS for t in tests})
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                        *nodes], cwd=ROOT, env=env, check=False)
        outcome, runs = {}, 0
        for case in ET.parse(report).getroot().iter("testcase"):
            runs += 1
            name = f"{Path(case.get('classname').replace('.', '/')).name}.py::{case.get('name').split('[')[0]}"
            failed = any(child.tag in ("failure", "error") for child in case)
            skipped = any(child.tag == "skipped" for child in case)
            previous = outcome.get(name, "passed")
            outcome[name] = "failed" if failed or previous == "failed" else ("skipped" if skipped else previous)
    print("\n| case | what happens | nothing lost | held |\n|---|---|---|---|")
    held = 0
    for case, what, can_lose, tests in CORPUS:
        results = [v for k, v in outcome.items() if any(k == t or k.startswith(t + "::") for t in tests)]
        ok = bool(results) and all(r == "passed" for r in results)
        held += ok
        lost = ("yes" if ok else "**no**") if can_lose else "n/a"
        print(f"| {case} | {what} | {lost} | {'yes' if ok else '**no**'} ({len(results)} test functions) |")
    print(f"\n{held} of {len(CORPUS)} fault cases hold ({sum(v == 'passed' for v in outcome.values())} of "
          f"{len(outcome)} test functions passed, {runs} runs with their parameters)")
    return 0 if held == len(CORPUS) else 1


if __name__ == "__main__":
    sys.exit(main())
