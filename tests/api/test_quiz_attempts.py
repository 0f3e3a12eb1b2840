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
from conftest import Client, new_user, query, url, wait_for

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


# -- secrecy: nothing before a submission gives the key away ------------------------

KEY_MEMBERS = ('"correct"', '"fraction"', '"feedback"', '"explanation"', '"accepted"',
               '"right_order"', '"tolerance"', '"mark"', '"marks"', '"review"', '"map"',
               '"ids"', '"question"', '"seed"', '"definition"')


def key_material(db, qid):
    """Texts that would give the key away, read from the quiz's definition:
    feedback, explanations, accepted answers, and the question keys."""
    (definition,) = query(db, "SELECT definition FROM quizzes WHERE id = %s", qid)[0]
    texts = set()
    for q in definition["questions"]:
        texts.add(q["key"])
        if q.get("explanation"):
            texts.add(q["explanation"])
        for c in q.get("choices", []):
            if c.get("feedback"):
                texts.add(c["feedback"])
        for a in q.get("answers", []):
            if a.get("feedback"):
                texts.add(a["feedback"])
            if a.get("text") not in (None, "*"):
                texts.add(a["text"])
    assert len(texts) > 15
    return texts


def assert_no_key(what, r, texts, attempt_view=False):
    assert r.status_code < 500, (what, r.status_code)
    body = r.text
    for t in texts:
        assert t not in body, f"{what} holds {t!r}"
    # A JSON string escapes what it holds: look at the decoded strings too.
    decoded = json.dumps(r.json(), ensure_ascii=False)
    for t in texts:
        assert t not in decoded, f"{what} holds {t!r}"
    for m in KEY_MEMBERS:
        assert m not in body, f"{what} has a member {m}"
    if attempt_view:
        # Choice keys are short ("a", "true"): their member never appears.
        assert '"key"' not in body, what


def test_nothing_a_learner_gets_before_submitting_holds_the_key(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, attempts_allowed=None)
    texts = key_material(db, qid)
    lesson = courses.lessons_of(slug)[0]["id"]
    seen = []

    def check(what, r, view=False):
        assert_no_key(what, r, texts, view)
        seen.append(what)

    check("quiz", learner.get(f"/api/v1/quizzes/{qid}"))
    r = start(learner, qid)
    assert r.status_code == 201
    check("start", r, True)
    att = r.json()["attempt"]
    check("start again", start(learner, qid), True)
    # A wrong answer saved, an unknown question and a foreign choice refused.
    wrong = wrong_answers(db, att["id"])
    r = learner.put(f"/api/v1/attempts/{att['id']}/answers", json={"answers": wrong})
    assert r.status_code == 200
    check("save", r)
    qids = [q["id"] for q in att["questions"]]
    foreign = next(q for q in att["questions"] if q["type"] == "multiple_choice")
    r = learner.put(f"/api/v1/attempts/{att['id']}/answers",
                    json={"answers": {qids[0]: {"choice": foreign["choices"][0]["id"]}}})
    assert r.status_code == 422
    check("refused save", r)
    check("open attempt", learner.get(f"/api/v1/attempts/{att['id']}"), True)
    check("quiz with an open attempt", learner.get(f"/api/v1/quizzes/{qid}"))
    check("outline", learner.get(f"/api/v1/courses/{slug}"))
    check("lesson", learner.get(f"/api/v1/lessons/{lesson}"))
    check("progress", learner.get(f"/api/v1/courses/{slug}/progress"))
    check("my enrollments", learner.get("/api/v1/me/enrollments"))
    check("beat", courses.beat(learner, lesson))
    assert len(seen) == 12

    # Every choice is {id, text} and nothing else, whatever its worth.
    for q in att["questions"]:
        for k in ("choices", "items", "prompts", "options"):
            for c in q.get(k, []):
                assert set(c) == {"id", "text"}, c


def correct_position(db, attempt):
    """For the single-choice question: the right choice's place in the view,
    and whether its id sorts first or last among the choices' ids."""
    x = next(s for s in stored(db, attempt["id"]) if s["question"]["type"] == "single_choice")
    right_id = next(i for i, k in x["map"]["ids"].items() if k == "a")
    view = next(q for q in attempt["questions"] if q["id"] == x["id"])
    ids = [c["id"] for c in view["choices"]]
    return ids.index(right_id), sorted(ids).index(right_id), right_id


def test_choice_ids_and_places_say_nothing_of_correctness(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, attempts_allowed=None)
    places, ranks, ids, orders, pairings = set(), set(), set(), set(), set()
    for _ in range(10):
        r = start(learner, qid)
        assert r.status_code == 201, r.text
        att = r.json()["attempt"]
        place, rank, right_id = correct_position(db, att)
        places.add(place)
        ranks.add(rank)
        ids.add(right_id)
        order_q = next(q for q in att["questions"] if q["type"] == "ordering")
        (x,) = [s for s in stored(db, att["id"]) if s["id"] == order_q["id"]]
        shown = [x["map"]["ids"][i["id"]] for i in order_q["items"]]
        # Never shown in the right order.
        assert shown != ["listen", "record", "report", "follow"]
        orders.add(tuple(shown))
        # Matching: where each prompt's answer sits among the options.
        match_q = next(q for q in att["questions"] if q["type"] == "matching")
        (m,) = [s for s in stored(db, att["id"]) if s["id"] == match_q["id"]]
        answer_of = {p["key"]: p["answer"] for p in m["question"]["pairs"]}
        texts = [o["text"] for o in match_q["options"]]
        pairings.add(tuple(texts.index(answer_of[m["map"]["ids"][p["id"]]])
                           for p in match_q["prompts"]))
        assert learner.post(f"/api/v1/attempts/{att['id']}/submit").status_code == 200
    # Over ten attempts the right choice moves, its id sorts anywhere, and
    # every attempt names it differently.
    assert len(places) >= 2 and len(ranks) >= 2 and len(ids) == 10
    assert len(orders) >= 3
    # Which option answers which prompt is not told by their places.
    assert len(pairings) >= 2


# -- submitting once ----------------------------------------------------------------

def test_double_and_concurrent_submits_grade_once(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, attempts_allowed=None)
    att = start(learner, qid).json()["attempt"]
    right = right_answers(db, att["id"])
    wrong = wrong_answers(db, att["id"])
    for lesson in courses.lessons_of(slug):
        assert courses.beat(learner, lesson["id"], completed=True).status_code == 200

    def submit(i):
        # Half send every answer right, half a wrong one: only one grades.
        body = {"answers": right if i % 2 else dict(right, **wrong)}
        return requests.post(url(f"/api/v1/attempts/{att['id']}/submit"), json=body,
                             headers={"Authorization": "Bearer " + learner.token})

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(submit, range(20)))
    assert [r.status_code for r in results] == [200] * 20, [r.text for r in results]
    bodies = [r.json()["attempt"] for r in results]
    assert len({json.dumps(b, sort_keys=True) for b in bodies}) == 1
    first = bodies[0]
    # And once more, after: the same result.
    again = learner.post(f"/api/v1/attempts/{att['id']}/submit", json={"answers": wrong})
    assert again.status_code == 200 and again.json()["attempt"] == first

    rows = query(db, "SELECT state, score, submitted_at, answers FROM quiz_attempts "
                     "WHERE quiz_id = %s AND user_id = %s", qid, learner.user_id)
    assert len(rows) == 1 and rows[0][0] == "submitted"
    assert float(rows[0][1]) == first["score"]
    # The answers kept are those graded: all right, or with the wrong one.
    assert rows[0][3] in (right, dict(right, **wrong))
    assert (float(rows[0][1]) == 100) == (rows[0][3] == right)
    eid = query(db, "SELECT e.id FROM enrollments e JOIN courses c ON c.id = e.course_id "
                    "WHERE c.slug = %s AND e.user_id = %s", slug, learner.user_id)[0][0]
    passes = query(db, "SELECT count(*) FROM quiz_passes WHERE enrollment_id = %s", eid)[0][0]
    assert passes == (1 if first["passed"] else 0)
    jobs = query(db, "SELECT count(*) FROM jobs WHERE kind = 'certificate_issue' "
                     "AND payload->>'enrollment_id' = %s", str(eid))[0][0]
    assert jobs == (1 if first["passed"] else 0)
    assert first["course_completed"] is first["passed"]


def test_replayed_saves_change_nothing(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner)
    att = start(learner, qid).json()["attempt"]
    right = right_answers(db, att["id"])
    path = f"/api/v1/attempts/{att['id']}/answers"
    for _ in range(3):
        assert learner.put(path, json={"answers": right}).status_code == 200
        assert attempt_row(db, att["id"])["answers"] == right
    # A null clears one answer; sent again, still cleared.
    gone = next(iter(right))
    for _ in range(2):
        assert learner.put(path, json={"answers": {gone: None}}).status_code == 200
        assert attempt_row(db, att["id"])["answers"] == {k: v for k, v in right.items() if k != gone}
    # Saves sent at once: the same answers, nothing graded.
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        rs = list(pool.map(lambda _: requests.put(
            url(path), json={"answers": right},
            headers={"Authorization": "Bearer " + learner.token}), range(10)))
    assert [r.status_code for r in rs] == [200] * 10
    row = attempt_row(db, att["id"])
    assert row["answers"] == right and row["state"] == "open" and row["score"] is None
    r = learner.post(f"/api/v1/attempts/{att['id']}/submit")
    assert r.status_code == 200 and r.json()["attempt"]["score"] == 100


# -- the deadline --------------------------------------------------------------------

def test_time_limit_deadline_and_grace(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, time_limit_minutes=10)
    r = start(learner, qid)
    att = r.json()["attempt"]
    assert att["deadline"] is not None and att["grace_seconds"] == 30
    job = query(db, "SELECT run_at - %s::timestamptz FROM jobs WHERE kind = 'quiz_deadline' "
                    "AND dedupe_key = %s", att["deadline"], "quiz_deadline:" + att["id"])
    assert len(job) == 1 and job[0][0].total_seconds() == 30
    right = right_answers(db, att["id"])
    path = f"/api/v1/attempts/{att['id']}/answers"
    first = dict(list(right.items())[:2])
    assert learner.put(path, json={"answers": first}).status_code == 200

    # Within the grace: still taken.
    query(db, "UPDATE quiz_attempts SET deadline = now() - interval '20 seconds' WHERE id = %s",
          att["id"])
    assert learner.put(path, json={"answers": first}).status_code == 200
    # Past the grace: a submit is refused, and the attempt is graded as saved.
    query(db, "UPDATE quiz_attempts SET deadline = now() - interval '31 seconds' WHERE id = %s",
          att["id"])
    r = learner.post(f"/api/v1/attempts/{att['id']}/submit", json={"answers": right})
    assert r.status_code == 409 and r.json()["error"]["code"] == "deadline_passed"
    row = attempt_row(db, att["id"])
    assert row["state"] == "submitted" and row["submitted_by"] == "deadline"
    assert row["answers"] == first
    assert float(row["score"]) == round(100 * 2 / len(QUESTIONS), 4)
    # Saving now is refused as submitted; reading shows the result.
    r = learner.put(path, json={"answers": right})
    assert r.status_code == 409 and r.json()["error"]["code"] == "attempt_submitted"
    got = learner.get(f"/api/v1/attempts/{att['id']}").json()
    assert got["state"] == "submitted" and got["submitted_by"] == "deadline"


def test_a_save_after_the_grace_is_refused_and_grades(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, time_limit_minutes=5)
    att = start(learner, qid).json()["attempt"]
    query(db, "UPDATE quiz_attempts SET deadline = now() - interval '1 minute' WHERE id = %s",
          att["id"])
    r = learner.put(f"/api/v1/attempts/{att['id']}/answers",
                    json={"answers": right_answers(db, att["id"])})
    assert r.status_code == 409 and r.json()["error"]["code"] == "deadline_passed"
    row = attempt_row(db, att["id"])
    assert row["state"] == "submitted" and row["answers"] == {} and float(row["score"]) == 0


def test_an_expired_attempt_is_graded_by_its_job_untouched(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, time_limit_minutes=5)
    for lesson in courses.lessons_of(slug):
        assert courses.beat(learner, lesson["id"], completed=True).status_code == 200
    att = start(learner, qid).json()["attempt"]
    right = right_answers(db, att["id"])
    assert learner.put(f"/api/v1/attempts/{att['id']}/answers",
                       json={"answers": right}).status_code == 200
    # The deadline passed, and its job is due: nobody touches the attempt.
    query(db, "UPDATE quiz_attempts SET deadline = now() - interval '1 hour' WHERE id = %s",
          att["id"])
    query(db, "UPDATE jobs SET run_at = now() WHERE dedupe_key = %s", "quiz_deadline:" + att["id"])
    query(db, "NOTIFY jobs")
    wait_for(lambda: attempt_row(db, att["id"])["state"] == "submitted", "the deadline job")
    row = attempt_row(db, att["id"])
    assert row["submitted_by"] == "deadline" and float(row["score"]) == 100 and row["passed"]
    wait_for(lambda: query(db, "SELECT state FROM jobs WHERE dedupe_key = %s",
                           "quiz_deadline:" + att["id"])[0][0] == "done", "the job's end")
    done = query(db, "SELECT e.completed_at IS NOT NULL, (SELECT count(*) FROM quiz_passes p "
                     "WHERE p.enrollment_id = e.id) FROM enrollments e JOIN courses c "
                     "ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
                 slug, learner.user_id)[0]
    assert done == (True, 1)


# -- attempts allowed, delay, grading method, review ---------------------------------

def test_attempts_beyond_the_limit_are_refused(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, attempts_allowed=2)
    for n in (1, 2):
        att = start(learner, qid).json()["attempt"]
        assert att["number"] == n
        assert learner.post(f"/api/v1/attempts/{att['id']}/submit").status_code == 200
    r = start(learner, qid)
    assert r.status_code == 409 and r.json()["error"]["code"] == "attempts_exhausted"
    quiz = learner.get(f"/api/v1/quizzes/{qid}").json()["quiz"]
    assert quiz["can_start"] is False and quiz["cannot_start"]["code"] == "attempts_exhausted"
    assert quiz["attempts_used"] == 2 and quiz["attempts_allowed"] == 2
    assert query(db, "SELECT count(*) FROM quiz_attempts WHERE quiz_id = %s AND user_id = %s",
                 qid, learner.user_id)[0][0] == 2
    # A new round (the course taken again) counts afresh.
    query(db, "UPDATE enrollments SET round = 2 WHERE user_id = %s", learner.user_id)
    r = start(learner, qid)
    assert r.status_code == 201 and r.json()["attempt"]["number"] == 1


def test_attempts_inside_the_delay_are_refused(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, attempt_delay_minutes=10)
    att = start(learner, qid).json()["attempt"]
    assert learner.post(f"/api/v1/attempts/{att['id']}/submit").status_code == 200
    r = start(learner, qid)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "attempt_delay" and err["retry_at"]
    quiz = learner.get(f"/api/v1/quizzes/{qid}").json()["quiz"]
    assert quiz["next_attempt_at"] == err["retry_at"] and quiz["can_start"] is False
    query(db, "UPDATE quiz_attempts SET submitted_at = now() - interval '11 minutes' "
              "WHERE id = %s", att["id"])
    assert start(learner, qid).status_code == 201


def test_grading_methods_decide_the_quiz_grade_and_pass(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, grading_method="average")

    def attempt(answers_of):
        att = start(learner, qid).json()["attempt"]
        r = learner.post(f"/api/v1/attempts/{att['id']}/submit",
                         json={"answers": answers_of(att["id"])})
        assert r.status_code == 200, r.text
        return r.json()["attempt"]

    a1 = attempt(lambda i: {})
    assert a1["score"] == 0 and a1["passed"] is False
    a2 = attempt(lambda i: right_answers(db, i))
    # Passed, but the average (50) is not a pass.
    assert a2["passed"] is True
    quiz = learner.get(f"/api/v1/quizzes/{qid}").json()["quiz"]
    assert quiz["grade"] == 50 and quiz["passed"] is False
    assert not query(db, "SELECT 1 FROM quiz_passes WHERE quiz_id = %s", qid)
    for method, grade in (("first", 0), ("last", 100), ("highest", 100)):
        set_quiz(db, qid, grading_method=method)
        assert learner.get(f"/api/v1/quizzes/{qid}").json()["quiz"]["grade"] == grade
    set_quiz(db, qid, grading_method="average")
    attempt(lambda i: right_answers(db, i))
    attempt(lambda i: right_answers(db, i))
    quiz = learner.get(f"/api/v1/quizzes/{qid}").json()["quiz"]
    assert quiz["grade"] == 75 and quiz["passed"] is True


def test_review_policies(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, review_policy="score_only")
    att = start(learner, qid).json()["attempt"]
    r = learner.post(f"/api/v1/attempts/{att['id']}/submit",
                     json={"answers": right_answers(db, att["id"])})
    sub = r.json()["attempt"]
    assert sub["passed"] is True and sub["review"] is None and sub["score"] == 100

    set_quiz(db, qid, review_policy="after_passing")
    got = learner.get(f"/api/v1/attempts/{att['id']}").json()
    assert len(got["review"]) == len(QUESTIONS)
    single = next(x for x in got["review"] if x["type"] == "single_choice")
    assert {c["feedback"] for c in single["choices"] if c.get("feedback")} >= {FEEDBACK + "single-right"}

    # after_last_attempt: a failed attempt shows nothing until the last.
    slug2, qid2 = enrolled(db, instructor, learner, review_policy="after_last_attempt",
                           attempts_allowed=2)
    a1 = start(learner, qid2).json()["attempt"]
    s1 = learner.post(f"/api/v1/attempts/{a1['id']}/submit").json()["attempt"]
    assert s1["passed"] is False and s1["review"] is None
    a2 = start(learner, qid2).json()["attempt"]
    s2 = learner.post(f"/api/v1/attempts/{a2['id']}/submit").json()["attempt"]
    assert s2["review"] is not None
    assert learner.get(f"/api/v1/attempts/{a1['id']}").json()["review"] is not None


# -- who may touch what; answers that do not fit ---------------------------------------

def test_another_learners_attempt_is_not_found(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner)
    att = start(learner, qid).json()["attempt"]
    # The same learner in another session reads it.
    assert Client(learner.email).get(f"/api/v1/attempts/{att['id']}").status_code == 200
    stranger = new_user(db)
    assert courses.enroll(stranger, slug).status_code == 201
    right = right_answers(db, att["id"])
    for r in (stranger.get(f"/api/v1/attempts/{att['id']}"),
              stranger.put(f"/api/v1/attempts/{att['id']}/answers", json={"answers": right}),
              stranger.post(f"/api/v1/attempts/{att['id']}/submit", json={"answers": right})):
        assert r.status_code == 404 and r.json()["error"]["code"] == "attempt_not_found"
    assert attempt_row(db, att["id"])["state"] == "open"
    assert attempt_row(db, att["id"])["answers"] == {}
    # Unknown ids and quizzes of courses one is not enrolled in.
    nobody = str(uuid.uuid4())
    assert learner.get(f"/api/v1/attempts/{nobody}").status_code == 404
    assert learner.get("/api/v1/attempts/not-a-uuid").status_code == 404
    outsider = new_user(db)
    for r in (outsider.get(f"/api/v1/quizzes/{qid}"), start(outsider, qid),
              learner.get(f"/api/v1/quizzes/{nobody}")):
        assert r.status_code == 404 and r.json()["error"]["code"] == "quiz_not_found"


def test_the_export_holds_attempts_and_never_their_key(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner)
    att = start(learner, qid).json()["attempt"]
    r = learner.get("/api/v1/me/export")
    assert r.status_code == 200
    [a] = r.json()["quiz_attempts"]
    assert (a["id"], a["course"], a["state"], a["number"]) == (att["id"], slug, "open", 1)
    assert a["answers"] == {} and a["score"] is None
    assert_no_key("export", r, key_material(db, qid))
    for hidden in ("questions", "marks", "review", "seed"):
        assert hidden not in a
    right = right_answers(db, att["id"])
    assert learner.post(f"/api/v1/attempts/{att['id']}/submit",
                        json={"answers": right}).status_code == 200
    [a] = learner.get("/api/v1/me/export").json()["quiz_attempts"]
    assert a["state"] == "submitted" and float(a["score"]) == 100 and a["passed"] is True
    assert a["submitted_by"] == "learner" and a["answers"] == right
    for hidden in ("questions", "marks", "review", "seed"):
        assert hidden not in a


def test_saves_after_the_questions_are_kept_hold_every_rule(db, instructor, learner):
    # Every worker keeps an attempt's questions after its first save there
    # (src/attempt_cache.c): later saves are one statement. Enough saves
    # that each worker holds them, then every refusal still holds.
    slug, qid = enrolled(db, instructor, learner)
    att = start(learner, qid).json()["attempt"]
    right = right_answers(db, att["id"])
    path = f"/api/v1/attempts/{att['id']}/answers"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        rs = list(pool.map(lambda _: requests.put(
            url(path), json={"answers": right},
            headers={"Authorization": "Bearer " + learner.token}), range(16)))
    assert [r.status_code for r in rs] == [200] * 16
    stranger = new_user(db)
    assert courses.enroll(stranger, slug).status_code == 201
    for _ in range(6):
        r = stranger.put(path, json={"answers": right})
        assert r.status_code == 404 and r.json()["error"]["code"] == "attempt_not_found"
    first = next(iter(right))
    for _ in range(6):
        r = learner.put(path, json={"answers": {first: {"choice": "c-not-shown"}}})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == first
        r = learner.put(path, json={"answers": {"0" * 16: None}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_question"
    assert attempt_row(db, att["id"])["answers"] == right
    assert learner.post(f"/api/v1/attempts/{att['id']}/submit").status_code == 200
    for _ in range(6):
        r = learner.put(path, json={"answers": right})
        assert r.status_code == 409 and r.json()["error"]["code"] == "attempt_submitted"


def test_answers_naming_choices_outside_the_attempt_are_refused(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, attempts_allowed=None)
    old = start(learner, qid).json()["attempt"]
    learner.post(f"/api/v1/attempts/{old['id']}/submit")
    att = start(learner, qid).json()["attempt"]
    path = f"/api/v1/attempts/{att['id']}/answers"
    by_type = {q["type"]: q for q in att["questions"]}
    old_by_type = {q["type"]: q for q in old["questions"]}
    single, multi = by_type["single_choice"], by_type["multiple_choice"]
    cases = [
        # The same question's choice in the previous attempt.
        ({single["id"]: {"choice": old_by_type["single_choice"]["choices"][0]["id"]}},
         "choice_not_in_attempt", single["id"]),
        # Another question's choice of this attempt.
        ({single["id"]: {"choice": multi["choices"][0]["id"]}},
         "choice_not_in_attempt", single["id"]),
        ({multi["id"]: {"choices": [multi["choices"][0]["id"], "f" * 24]}},
         "choice_not_in_attempt", multi["id"]),
        ({multi["id"]: {"choices": [multi["choices"][0]["id"]] * 2}},
         "duplicate_choice", multi["id"]),
        ({single["id"]: {"choices": [single["choices"][0]["id"]]}},
         "malformed_answer", single["id"]),
        ({single["id"]: "a"}, "malformed_answer", single["id"]),
        ({old_by_type["single_choice"]["id"]: None}, "unknown_question",
         old_by_type["single_choice"]["id"]),
        ({"q-single": {"choice": "a"}}, "unknown_question", "q-single"),
    ]
    for answers, code, field in cases:
        # A good answer beside the bad one: nothing of the body is saved.
        body = dict(answers, **{by_type["true_false"]["id"]:
                                {"choice": by_type["true_false"]["choices"][0]["id"]}})
        for r in (learner.put(path, json={"answers": body}),
                  learner.post(f"/api/v1/attempts/{att['id']}/submit", json={"answers": body})):
            assert r.status_code == 422, (answers, r.text)
            err = r.json()["error"]
            assert (err["code"], err.get("field")) == (code, field), answers
        row = attempt_row(db, att["id"])
        assert row["answers"] == {} and row["state"] == "open"
    for body in ({}, {"answers": []}, {"answers": {}, "extra": 1}):
        r = learner.put(path, json=body)
        assert r.status_code == 422, body


# -- drawing from the pool ---------------------------------------------------------------

def test_draw_count_and_bank_categories(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, attempts_allowed=None)
    course = query(db, "SELECT course_id FROM quizzes WHERE id = %s", qid)[0][0]
    for cat, n in (("Signs", 4), ("Law", 3), ("Other", 2)):
        for i in range(n):
            q = {"key": f"bank-{cat}-{i}", "type": "true_false", "prompt": f"{cat} {i}?",
                 "choices": [{"key": "true", "text": "True", "correct": True},
                             {"key": "false", "text": "False", "correct": False}]}
            query(db, "INSERT INTO question_bank (course_id, key, category, type, question, "
                      "source) VALUES (%s, %s, %s, 'true_false', %s, 'api')",
                  course, q["key"], cat, json.dumps(q))
    r = instructor.patch(f"/api/v1/instructor/quizzes/{qid}",
                         json={"pool_categories": ["Signs", "Law"], "draw_count": 2,
                               "draw_per_category": True})
    assert r.status_code == 200, r.text
    s = r.json()["quiz"]
    assert s["pool_size"] == len(QUESTIONS) + 7
    # Two of the quiz's own (no category), two of Signs, two of Law.
    assert s["question_count"] == 6
    assert learner.get(f"/api/v1/quizzes/{qid}").json()["quiz"]["question_count"] == 6
    seen = set()
    for _ in range(4):
        att = start(learner, qid).json()["attempt"]
        assert len(att["questions"]) == 6
        cats = [x["question"].get("category", "") for x in stored(db, att["id"])]
        assert sorted(cats) == ["", "", "Law", "Law", "Signs", "Signs"]
        seen |= {x["question"]["key"] for x in stored(db, att["id"])}
        assert learner.post(f"/api/v1/attempts/{att['id']}/submit").status_code == 200
    assert not any(k.startswith("bank-Other") for k in seen)
    assert len(seen) > 6
    r = instructor.patch(f"/api/v1/instructor/quizzes/{qid}", json={"draw_per_category": False})
    assert r.json()["quiz"]["question_count"] == 2
    att = start(learner, qid).json()["attempt"]
    assert len(att["questions"]) == 2


# -- the module lock ------------------------------------------------------------------------

def test_a_quiz_behind_an_unfinished_module_is_locked(db, instructor, learner):
    slug = courses.new_course(instructor)
    first = courses.manifest(courses.example_files())
    first["quiz"] = None
    assert courses.upload(instructor, slug, courses.make_zip(
        courses.with_manifest(courses.example_files(), first))).status_code == 201
    files = quiz_files(key="part-two")
    m = courses.manifest(files)
    m["order"], m["requires_previous"] = 2, True
    assert courses.upload(instructor, slug,
                          courses.make_zip(courses.with_manifest(files, m))).status_code == 201
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 200
    assert courses.enroll(learner, slug).status_code == 201
    qid = quiz_id(db, slug)
    r = start(learner, qid)
    assert r.status_code == 423, r.text
    err = r.json()["error"]
    assert err["code"] == "lesson_locked" and err["unlock"]["reason"] == "module_lessons"
    quiz = learner.get(f"/api/v1/quizzes/{qid}").json()["quiz"]
    assert quiz["can_start"] is False and quiz["cannot_start"]["code"] == "lesson_locked"
    for lesson in courses.lessons_of(slug)[:2]:
        assert courses.beat(learner, lesson["id"], completed=True).status_code == 200
    assert start(learner, qid).status_code == 201


# -- instructors' settings ----------------------------------------------------------------------

def test_settings_get_patch_and_a_new_upload_keeps_them(db, instructor, learner):
    slug = quiz_course(instructor, pass_mark=70)
    qid = quiz_id(db, slug)
    r = instructor.get(f"/api/v1/instructor/courses/{slug}/quizzes")
    assert r.status_code == 200, r.text
    (s,) = r.json()["quizzes"]
    assert s["id"] == qid and s["pass_mark"] == 70 and s["attempts_allowed"] is None
    assert s["grading_method"] == "highest" and s["review_policy"] == "after_passing"
    assert s["pool_size"] == s["question_count"] == len(QUESTIONS)
    assert s["settings_updated_at"] is None

    # A new upload without API changes takes the package's pass mark.
    assert courses.upload(instructor, slug, courses.make_zip(
        quiz_files(pass_mark=60))).status_code == 200
    assert instructor.get(f"/api/v1/instructor/quizzes/{qid}").json()["quiz"]["pass_mark"] == 60

    bad = [({"pass_mark": 101}, "pass_mark"), ({"pass_mark": 50.5}, "pass_mark"),
           ({"pass_mark": "50"}, "pass_mark"), ({"required": "yes"}, "required"),
           ({"attempts_allowed": 0}, "attempts_allowed"),
           ({"attempt_delay_minutes": -1}, "attempt_delay_minutes"),
           ({"attempt_delay_minutes": None}, "attempt_delay_minutes"),
           ({"time_limit_minutes": 601}, "time_limit_minutes"),
           ({"grading_method": "best"}, "grading_method"),
           ({"review_policy": None}, "review_policy"), ({"draw_count": 0}, "draw_count"),
           ({"draw_per_category": 1}, "draw_per_category"),
           ({"pool_categories": "Signs"}, "pool_categories"),
           ({"pool_categories": [1]}, "pool_categories"),
           ({"pass_mark": 80, "attempts_allowed": 1000}, "attempts_allowed")]
    for body, field in bad:
        r = instructor.patch(f"/api/v1/instructor/quizzes/{qid}", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["field"] == field, body
    r = instructor.patch(f"/api/v1/instructor/quizzes/{qid}", json={"colour": "red"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_field"
    assert instructor.get(f"/api/v1/instructor/quizzes/{qid}").json()["quiz"]["pass_mark"] == 60

    patch = {"pass_mark": 80, "required": False, "attempts_allowed": 3,
             "attempt_delay_minutes": 5, "time_limit_minutes": 20, "grading_method": "last",
             "review_policy": "after_last_attempt", "draw_count": 4, "draw_per_category": False,
             "pool_categories": ["B", "A", "A"]}
    r = instructor.patch(f"/api/v1/instructor/quizzes/{qid}", json=patch)
    assert r.status_code == 200, r.text
    s = r.json()["quiz"]
    assert {k: s[k] for k in patch} == dict(patch, pool_categories=["A", "B"])
    assert s["settings_updated_at"] and s["question_count"] == 4
    # Only what is named changes; null lifts a limit.
    r = instructor.patch(f"/api/v1/instructor/quizzes/{qid}",
                         json={"attempts_allowed": None, "time_limit_minutes": None})
    s = r.json()["quiz"]
    assert s["attempts_allowed"] is None and s["time_limit_minutes"] is None
    assert s["pass_mark"] == 80 and s["grading_method"] == "last"

    # A new upload keeps every setting changed here, pass mark included.
    assert courses.upload(instructor, slug, courses.make_zip(
        quiz_files(pass_mark=50))).status_code == 200
    s = instructor.get(f"/api/v1/instructor/quizzes/{qid}").json()["quiz"]
    assert s["pass_mark"] == 80 and s["required"] is False and s["draw_count"] == 4
    assert s["review_policy"] == "after_last_attempt"

    # Other instructors and learners may not.
    other = new_user(db, "instructor")
    for r in (other.get(f"/api/v1/instructor/quizzes/{qid}"),
              other.patch(f"/api/v1/instructor/quizzes/{qid}", json={"pass_mark": 10}),
              other.get(f"/api/v1/instructor/courses/{slug}/quizzes")):
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_course"
    assert learner.get(f"/api/v1/instructor/quizzes/{qid}").status_code == 403
    assert instructor.get(f"/api/v1/instructor/quizzes/{uuid.uuid4()}").status_code == 404


def test_reading_an_expired_attempt_grades_it_as_saved(db, instructor, learner):
    slug, qid = enrolled(db, instructor, learner, time_limit_minutes=5)
    att = start(learner, qid).json()["attempt"]
    right = right_answers(db, att["id"])
    assert learner.put(f"/api/v1/attempts/{att['id']}/answers",
                       json={"answers": right}).status_code == 200
    query(db, "UPDATE quiz_attempts SET deadline = now() - interval '1 minute' WHERE id = %s",
          att["id"])
    # The quiz's page is the touch: it shows the attempt submitted.
    quiz = learner.get(f"/api/v1/quizzes/{qid}").json()
    assert quiz["quiz"]["open_attempt_id"] is None and quiz["quiz"]["passed"] is True
    assert [(a["state"], a["score"]) for a in quiz["attempts"]] == [("submitted", 100)]
    row = attempt_row(db, att["id"])
    assert row["submitted_by"] == "deadline" and row["answers"] == right
    got = learner.get(f"/api/v1/attempts/{att['id']}").json()
    assert got["state"] == "submitted" and got["score"] == 100
    # Its job, when it runs, finds nothing to do.
    query(db, "UPDATE jobs SET run_at = now() WHERE dedupe_key = %s", "quiz_deadline:" + att["id"])
    query(db, "NOTIFY jobs")
    wait_for(lambda: query(db, "SELECT state FROM jobs WHERE dedupe_key = %s",
                           "quiz_deadline:" + att["id"])[0][0] == "done", "the job's end")
    assert attempt_row(db, att["id"])["submitted_by"] == "deadline"
    # A start after it makes attempt 2.
    r = start(learner, qid)
    assert r.status_code == 201 and r.json()["attempt"]["number"] == 2
