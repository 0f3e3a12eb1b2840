"""Quiz attempts (docs/quizzes.md): starting, saving, submitting, the
deadline, the settings, and the secrecy of the answer key before a
submission. Courses are made through module upload (courses.py) with a
quiz of every type the packages take."""
import concurrent.futures
import json
import re
import uuid

import requests

import courses
from conftest import Client, query, url, wait_for

FEEDBACK = "FEEDBACK-SECRET-"

QUESTIONS = [
    {"key": "q-single", "type": "single_choice", "prompt": "Which is most likely a sign of neglect?",
     "choices": [
         {"key": "a", "text": "Often hungry at school", "correct": True,
          "feedback": FEEDBACK + "single-right"},
         {"key": "b", "text": "A bruise on the shin", "correct": False,
          "feedback": FEEDBACK + "single-wrong-b"},
         {"key": "c", "text": "Quiet in class", "correct": False,
          "feedback": FEEDBACK + "single-wrong-c"}],
     "explanation": FEEDBACK + "single-explanation"},
    {"key": "q-multi", "type": "multiple_choice", "prompt": "Which details help most in a first report?",
     "choices": [
         {"key": "a", "text": "When and where last seen", "correct": True, "feedback": FEEDBACK + "multi-a"},
         {"key": "b", "text": "What they wore", "correct": True, "feedback": FEEDBACK + "multi-b"},
         {"key": "c", "text": "Your guess why", "correct": False, "feedback": FEEDBACK + "multi-c"},
         {"key": "d", "text": "Their favourite food", "correct": False}]},
    {"key": "q-tf", "type": "true_false", "prompt": "You should wait 24 hours before reporting.",
     "choices": [
         {"key": "true", "text": "True", "correct": False, "feedback": FEEDBACK + "tf-true"},
         {"key": "false", "text": "False", "correct": True, "feedback": FEEDBACK + "tf-false"}]},
    {"key": "q-short", "type": "short_answer", "prompt": "Who do you tell first in school?",
     "answers": [{"text": "designated safeguarding lead", "feedback": FEEDBACK + "short-right"},
                 {"text": "*", "fraction": 0, "feedback": FEEDBACK + "short-else"}]},
    {"key": "q-order", "type": "ordering", "prompt": "Put the steps in order.",
     "items": [{"key": "listen", "text": "Listen"}, {"key": "record", "text": "Record"},
               {"key": "report", "text": "Report"}, {"key": "follow", "text": "Follow up"}]},
    {"key": "q-match", "type": "matching", "prompt": "Who does what?",
     "pairs": [{"key": "dsl", "prompt": "Safeguarding lead", "answer": "Decides on referral"},
               {"key": "you", "prompt": "You", "answer": "Passes on the concern"}],
     "distractors": ["Investigates the family"]},
]


def quiz_files(questions=None, pass_mark=70, key=None):
    files = courses.example_files()
    m = courses.manifest(files)
    if key:
        m["key"] = key
    m["quiz"]["questions"] = questions or QUESTIONS
    m["quiz"]["pass_mark"] = pass_mark
    return courses.with_manifest(files, m)


def quiz_course(instructor, questions=None, pass_mark=70):
    return courses.published_course(instructor, quiz_files(questions, pass_mark))


def quiz_id(db, slug):
    return query(db, "SELECT q.id::text FROM quizzes q JOIN courses c ON c.id = q.course_id "
                     "WHERE c.slug = %s", slug)[0][0]


def set_quiz(db, qid, **settings):
    for k, v in settings.items():
        query(db, f"UPDATE quizzes SET {k} = %s WHERE id = %s", v, qid)


def enrolled(db, instructor, learner, questions=None, pass_mark=70, **settings):
    slug = quiz_course(instructor, questions, pass_mark)
    assert courses.enroll(learner, slug).status_code == 201
    qid = quiz_id(db, slug)
    set_quiz(db, qid, **settings)
    return slug, qid


def start(client, qid):
    return client.post(f"/api/v1/quizzes/{qid}/attempts")


def stored(db, attempt_id):
    """The attempt's questions as stored (key material included)."""
    return query(db, "SELECT questions FROM quiz_attempts WHERE id = %s", attempt_id)[0][0]


def right_answers(db, attempt_id):
    """Every answer right, made from the stored map (as a cheater who had
    the key would)."""
    out = {}
    for x in stored(db, attempt_id):
        q, ids = x["question"], x["map"]["ids"]
        by_key = {v: k for k, v in ids.items()}
        t = q["type"]
        if t in ("single_choice", "true_false"):
            right = [c["key"] for c in q["choices"] if c.get("correct")]
            out[x["id"]] = {"choice": by_key[right[0]]}
        elif t == "multiple_choice":
            out[x["id"]] = {"choices": [by_key[c["key"]] for c in q["choices"] if c.get("correct")]}
        elif t == "short_answer":
            out[x["id"]] = {"text": q["answers"][0]["text"].upper()}
        elif t == "ordering":
            out[x["id"]] = {"order": [by_key[i["key"]] for i in q["items"]]}
        elif t == "matching":
            opt = {v: k for k, v in x["map"]["options"].items()}
            out[x["id"]] = {"pairs": {by_key[p["key"]]: opt[p["answer"]] for p in q["pairs"]}}
    return out


def wrong_answers(db, attempt_id):
    out = {}
    for x in stored(db, attempt_id):
        q, ids = x["question"], x["map"]["ids"]
        by_key = {v: k for k, v in ids.items()}
        if q["type"] in ("single_choice", "true_false"):
            wrong = [c["key"] for c in q["choices"] if not c.get("correct")]
            out[x["id"]] = {"choice": by_key[wrong[0]]}
    return out


def attempt_row(db, attempt_id):
    r = query(db, "SELECT state, score, passed, submitted_by, answers, marks "
                  "FROM quiz_attempts WHERE id = %s", attempt_id)[0]
    return dict(zip(("state", "score", "passed", "submitted_by", "answers", "marks"), r))


# -- the routes, end to end ------------------------------------------------------------

def test_start_save_submit_pass_completes_the_course(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner)
    for lesson in courses.lessons_of(slug):
        assert courses.beat(learner, lesson["id"], completed=True).status_code == 200

    r = learner.get(f"/api/v1/quizzes/{qid}")
    assert r.status_code == 200, r.text
    quiz = r.json()["quiz"]
    assert quiz["can_start"] is True and quiz["open_attempt_id"] is None
    assert quiz["question_count"] == len(QUESTIONS) and quiz["attempts_used"] == 0
    assert quiz["course"]["slug"] == slug and quiz["passed"] is False

    r = start(learner, qid)
    assert r.status_code == 201, r.text
    att = r.json()["attempt"]
    assert att["state"] == "open" and att["number"] == 1 and att["deadline"] is None
    assert [q["number"] for q in att["questions"]] == list(range(1, len(QUESTIONS) + 1))
    assert all(re.fullmatch(r"[0-9a-f]{24}", q["id"]) for q in att["questions"])
    # Starting again gives the open attempt.
    again = start(learner, qid)
    assert again.status_code == 200 and again.json()["attempt"]["id"] == att["id"]

    answers = right_answers(db, att["id"])
    first = dict(list(answers.items())[:3])
    r = learner.put(f"/api/v1/attempts/{att['id']}/answers", json={"answers": first})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"saved_at", "deadline", "server_time"}
    got = learner.get(f"/api/v1/attempts/{att['id']}").json()
    assert got["answers"] == first and got["state"] == "open"

    rest = dict(list(answers.items())[3:])
    r = learner.post(f"/api/v1/attempts/{att['id']}/submit", json={"answers": rest})
    assert r.status_code == 200, r.text
    sub = r.json()["attempt"]
    assert sub["state"] == "submitted" and sub["submitted_by"] == "learner"
    assert sub["score"] == 100 and sub["passed"] is True and sub["pass_mark"] == 70
    assert sub["course_completed"] is True
    # after_passing: the review is shown, with every question right.
    assert [x["state"] for x in sub["review"]] == ["correct"] * len(QUESTIONS)
    assert sub["review"][0]["id"] == att["questions"][0]["id"]

    e = query(db, "SELECT e.id, e.completed_at FROM enrollments e JOIN courses c "
                  "ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
              slug, learner.user_id)[0]
    assert e[1] is not None
    assert query(db, "SELECT count(*) FROM quiz_passes WHERE enrollment_id = %s", e[0])[0][0] == 1
    assert query(db, "SELECT count(*) FROM jobs WHERE kind = 'certificate_issue' "
                     "AND payload->>'enrollment_id' = %s", str(e[0]))[0][0] == 1

    quiz = learner.get(f"/api/v1/quizzes/{qid}").json()
    assert quiz["quiz"]["passed"] is True and quiz["quiz"]["grade"] == 100
    assert [a["state"] for a in quiz["attempts"]] == ["submitted"]
    r = learner.put(f"/api/v1/attempts/{att['id']}/answers", json={"answers": {}})
    assert r.status_code == 409 and r.json()["error"]["code"] == "attempt_submitted"
