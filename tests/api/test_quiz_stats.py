"""Quiz statistics (GET /api/v1/instructor/quizzes/{id}/stats): a fixture of
submitted attempts, written straight into quiz_attempts as the attempt
engine stores them (each drawn question's full definition and the map of
its opaque choice ids, the answers by those ids, the marks), and every
number of the answer compared with an independent computation here."""
import json
import random
import statistics
import uuid

import pytest

import courses
from conftest import new_user, query

QUESTIONS = [
    {"key": "q-single", "type": "single_choice", "title": "Neglect sign",
     "prompt": "Which is most likely a sign of neglect?",
     "choices": [{"key": "a", "text": "Often hungry at school", "correct": True},
                 {"key": "b", "text": "A bruise on the shin", "correct": False},
                 {"key": "c", "text": "Quiet in class", "correct": False}]},
    {"key": "q-multi", "type": "multiple_choice", "prompt": "Which are forms of abuse?",
     "choices": [{"key": "a", "text": "Physical", "correct": True},
                 {"key": "b", "text": "Emotional", "correct": True},
                 {"key": "c", "text": "A family argument", "correct": False}]},
    {"key": "q-tf", "type": "true_false", "prompt": "No visible injury means no abuse.",
     "choices": [{"key": "true", "text": "True", "correct": False},
                 {"key": "false", "text": "False", "correct": True}]},
    {"key": "q-short", "type": "short_answer", "prompt": "Who do you tell first?",
     "answers": [{"text": "designated safeguarding lead"}]},
    # Everyone gets it right: no variance, no discrimination.
    {"key": "q-easy", "type": "true_false", "prompt": "Children have a right to be safe.",
     "choices": [{"key": "true", "text": "True", "correct": True},
                 {"key": "false", "text": "False", "correct": False}]},
]
# A bank question (not in the quiz's own list), drawn by one attempt only.
BANK_Q = {"key": "3f9c0e1a-gift-4", "type": "single_choice", "prompt": "From the bank?",
          "choices": [{"key": "a", "text": "Yes", "correct": True},
                      {"key": "b", "text": "No", "correct": False}]}


def quiz_files():
    files = courses.example_files()
    m = courses.manifest(files)
    m["quiz"] = {"key": "stats-check", "title": "Stats check", "pass_mark": 60,
                 "required": True, "questions": QUESTIONS}
    return courses.with_manifest(files, m)


def opaque(attempt, key):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{attempt}/{key}").hex[:24]


def mark_of(q, picked):
    if q["type"] == "short_answer":
        return picked
    right = {c["key"] for c in q["choices"] if c["correct"]}
    if q["type"] == "multiple_choice":
        return 1.0 if set(picked) == right else 0.0
    return 1.0 if picked in right else 0.0


def answer_for(q, rnd, skill):
    """(the attempt's answer by key, its mark); a skilled learner is right
    more often, so that marks correlate."""
    keys = [c["key"] for c in q.get("choices", [])]
    right = [c["key"] for c in q.get("choices", []) if c["correct"]]
    good = rnd.random() < skill
    if q["key"] == "q-easy":
        good = True
    if q["type"] == "short_answer":
        return None, (1.0 if good else rnd.choice([0.0, 0.5]))
    if q["type"] == "multiple_choice":
        picked = right if good else rnd.sample(keys, rnd.randint(0, 3))
        return picked, mark_of(q, picked)
    picked = right[0] if good else rnd.choice(keys)
    return picked, mark_of(q, picked)


def make_attempts(db, quiz_id, enrollments, rnd):
    """Inserts submitted attempts; returns what was written, by attempt."""
    written = []
    for n, (enrollment, user, skill) in enumerate(enrollments * 3):
        aid = str(uuid.uuid4())
        drawn = [q for q in QUESTIONS if q["key"] != "q-short" or n % 4]
        if n == 4:
            drawn.append(BANK_Q)
        rnd.shuffle(drawn)
        questions, answers, marks, picks = [], {}, {}, {}
        for q in drawn:
            qid = opaque(aid, "question:" + q["key"])
            ids = {opaque(aid, c["key"]): c["key"] for c in q.get("choices", [])}
            by_key = {v: k for k, v in ids.items()}
            questions.append({"id": qid, "question": q, "map": {"ids": ids}})
            picked, mark = answer_for(q, rnd, skill)
            marks[qid] = mark
            if q["type"] == "short_answer":
                answers[qid] = {"text": "dsl"}
            elif isinstance(picked, list):
                answers[qid] = {"choices": [by_key[k] for k in picked]}
            elif rnd.random() < 0.1:
                picked = None       # unanswered
                answers[qid] = None
                marks[qid] = 0.0
            else:
                answers[qid] = {"choice": by_key[picked]}
            picks[q["key"]] = picked
        # As quiz_attempts.score keeps it: numeric(7,4).
        score = round(100 * sum(marks.values()) / len(marks), 4)
        number = n // len(enrollments) + 1
        query(db, "INSERT INTO quiz_attempts (id, quiz_id, enrollment_id, user_id, number, "
                  "state, seed, questions, answers, started_at, submitted_at, submitted_by, "
                  "marks, score, passed) VALUES (%s, %s, %s, %s, %s, 'submitted', "
                  "decode(md5(random()::text) || md5(random()::text), 'hex'), %s, %s, now() - interval '1 hour', "
                  "now() - make_interval(secs => %s), 'learner', %s, %s, %s)",
              aid, quiz_id, enrollment, user, number, json.dumps(questions),
              json.dumps(answers), 1000 - n, json.dumps(marks), score, score >= 60)
        written.append({"user": user, "drawn": drawn, "marks": marks, "picks": picks,
                        "qids": {q["key"]: questions[i]["id"] for i, q in enumerate(drawn)},
                        "score": score, "passed": score >= 60})
    return written


def pearson(xs, ys):
    if len(xs) < 2:
        return None
    try:
        return statistics.correlation(xs, ys)
    except statistics.StatisticsError:
        return None     # a constant side


def expected(written):
    out = {"attempts": len(written), "learners": len({w["user"] for w in written}),
           "pass_rate": sum(w["passed"] for w in written) / len(written),
           "mean_score": sum(w["score"] for w in written) / len(written), "questions": {}}
    for q in QUESTIONS + [BANK_Q]:
        rows = [w for w in written if q["key"] in w["qids"]]
        if not rows:
            continue
        mine = [w["marks"][w["qids"][q["key"]]] for w in rows]
        rest = [sum(w["marks"].values()) - m for w, m in zip(rows, mine)]
        e = {"attempts": len(rows), "facility": sum(mine) / len(rows),
             "discrimination": pearson(mine, rest), "choices": None}
        if "choices" in q:
            e["choices"] = []
            for c in q["choices"]:
                k = sum(1 for w in rows if w["picks"][q["key"]] == c["key"] or
                        isinstance(w["picks"][q["key"]], list) and
                        c["key"] in w["picks"][q["key"]])
                e["choices"].append({"key": c["key"], "text": c["text"], "picks": k,
                                     "pick_rate": k / len(rows)})
        out["questions"][q["key"]] = e
    return out


def close(a, b):
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-9


@pytest.fixture(scope="module")
def world():
    import psycopg2
    from conftest import DATABASE_URL
    db = psycopg2.connect(DATABASE_URL)
    db.autocommit = True
    owner = new_user(db, "instructor")
    slug = courses.published_course(owner, quiz_files())
    quiz_id, quiz_title = query(db, "SELECT q.id::text, q.title FROM quizzes q JOIN courses c "
                                    "ON c.id = q.course_id WHERE c.slug = %s", slug)[0]
    rnd = random.Random(21)
    enrollments = []
    for skill in (0.9, 0.7, 0.5, 0.3, 0.15):
        learner = new_user(db, "learner")
        assert courses.enroll(learner, slug).status_code == 201
        eid = query(db, "SELECT e.id::text FROM enrollments e JOIN courses c "
                        "ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
                    slug, learner.user_id)[0][0]
        enrollments.append((eid, learner.user_id, skill))
    written = make_attempts(db, quiz_id, enrollments, rnd)
    # An open attempt counts for nothing.
    query(db, "INSERT INTO quiz_attempts (quiz_id, enrollment_id, user_id, number, seed, "
              "questions, answers) VALUES (%s, %s, %s, 4, decode(md5(random()::text) || md5(random()::text), 'hex'), '[]', '{}')",
          quiz_id, enrollments[0][0], enrollments[0][1])
    yield {"db": db, "owner": owner, "slug": slug, "quiz": quiz_id, "title": quiz_title,
           "written": written, "learner": learner}
    db.close()


def test_every_number_matches_an_independent_computation(world):
    r = world["owner"].get(f"/api/v1/instructor/quizzes/{world['quiz']}/stats")
    assert r.status_code == 200, r.text
    got = r.json()
    want = expected(world["written"])
    assert got["quiz"] == {"id": world["quiz"], "title": world["title"], "pass_mark": 60}
    assert got["attempts"] == want["attempts"] == 15
    assert got["learners"] == want["learners"] == 5
    assert close(got["pass_rate"], want["pass_rate"])
    assert close(got["mean_score"], want["mean_score"])
    # The quiz's order, then the bank's questions.
    assert [q["key"] for q in got["questions"]] == [q["key"] for q in QUESTIONS] + [BANK_Q["key"]]
    for q in got["questions"]:
        e = want["questions"][q["key"]]
        assert q["attempts"] == e["attempts"], q["key"]
        assert close(q["facility"], e["facility"]), (q["key"], q["facility"], e["facility"])
        assert close(q["discrimination"], e["discrimination"]), \
            (q["key"], q["discrimination"], e["discrimination"])
        if e["choices"] is None:
            assert q["choices"] is None
            continue
        assert [c["key"] for c in q["choices"]] == [c["key"] for c in e["choices"]]
        for c, ce in zip(q["choices"], e["choices"]):
            assert c["text"] == ce["text"] and c["picks"] == ce["picks"], (q["key"], c, ce)
            assert close(c["pick_rate"], ce["pick_rate"])
    by = {q["key"]: q for q in got["questions"]}
    # The fixture has what the edge cases need: a question everyone got
    # right, one drawn once, one some attempts did not draw.
    assert by["q-easy"]["facility"] == 1 and by["q-easy"]["discrimination"] is None
    assert by[BANK_Q["key"]]["attempts"] == 1 and by[BANK_Q["key"]]["discrimination"] is None
    assert by["q-short"]["attempts"] < 15
    assert by["q-single"]["discrimination"] is not None
    assert by["q-single"]["title"] == "Neglect sign"
    assert by["q-single"]["prompt"] == QUESTIONS[0]["prompt"]
    assert by["q-tf"]["type"] == "true_false"


def test_a_quiz_without_attempts(db, instructor):
    slug = courses.published_course(instructor, quiz_files())
    qid = query(db, "SELECT q.id::text FROM quizzes q JOIN courses c ON c.id = q.course_id "
                    "WHERE c.slug = %s", slug)[0][0]
    r = instructor.get(f"/api/v1/instructor/quizzes/{qid}/stats")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["attempts"], body["learners"], body["pass_rate"], body["mean_score"],
            body["questions"]) == (0, 0, None, None, [])


def test_only_the_courses_instructors_and_admins(db, world):
    path = f"/api/v1/instructor/quizzes/{world['quiz']}/stats"
    r = world["learner"].get(path)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    other = new_user(db, "instructor")
    r = other.get(path)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_course"
    assert new_user(db, "admin").get(path).status_code == 200
    for bad in (str(uuid.uuid4()), "not-a-uuid"):
        r = other.get(f"/api/v1/instructor/quizzes/{bad}/stats")
        assert r.status_code == 404 and r.json()["error"]["code"] == "quiz_not_found"
    assert world["learner"].get(f"/api/v1/instructor/quizzes/{uuid.uuid4()}/stats") \
        .status_code == 403
