// A quiz: what it asks (pass mark, attempts, time limit, grading), the
// learner's attempts and grade, and Start or Continue; with ?attempt=ID,
// that attempt: taken (quiz-take.js) while open, its result and the review
// the quiz's policy allows (quiz-review.js) once submitted.

import {
	h, add, t, api, getJSON, errorText,
	retryButton, loadSession, ApiError, fmtDate,
	fmtPercent,
} from './lib.js';
import { forgetAttempt } from './quiz-answers.js';
import { take } from './quiz-take.js';
import { result, fmtScore, quizHeader } from './quiz-review.js';

// An attempt the start button has just been given, so the attempt's page
// does not ask for it again.
const started = new Map();

export async function render(root, ctx) {
	const id = ctx.match[1];
	const aid = ctx.query.get('attempt');
	const user = await loadSession();
	const quizP = getJSON(`/api/v1/quizzes/${id}`);
	let attemptP = null;
	if (aid) {
		attemptP = started.has(aid) ? Promise.resolve(started.get(aid)) :
			getJSON(`/api/v1/attempts/${encodeURIComponent(aid)}`);
		started.delete(aid);
		attemptP.catch(() => {});
	}
	let data;
	try {
		data = await quizP;
	} catch (e) {
		refusal(root, ctx, e, 'quiz');
		return null;
	}
	const lang = await courseLanguage(data.quiz.course);
	if (!ctx.current())
		return null;
	const page = { quiz: data.quiz, lang, user, ctx };
	if (!attemptP) {
		summary(root, ctx, data, lang);
		return null;
	}
	let attempt;
	try {
		attempt = await attemptP;
		if (attempt.quiz_id !== data.quiz.id)
			throw new ApiError(404, { error: { code: 'attempt_not_found' } });
	} catch (e) {
		refusal(root, ctx, e, 'attempt', data.quiz);
		return null;
	}
	if (!ctx.current())
		return null;
	if (attempt.state === 'open')
		return take(root, page, attempt);
	forgetAttempt(attempt.id);
	result(root, page, attempt);
	return null;
}

// The course's language, for the lang of its texts (titles, questions);
// the outline is public and usually cached by now.
async function courseLanguage(course) {
	if (!course || !course.slug)
		return null;
	try {
		const c = await getJSON(`/api/v1/courses/${encodeURIComponent(
			course.slug)}`);
		return c.language || null;
	} catch {
		return null;
	}
}

function summary(root, ctx, data, lang) {
	const q = data.quiz;
	ctx.setTitle(q.title);
	add(root, quizHeader(q, lang),
		q.passed ? h('p', { class: 'verdict is-passed' },
			t('quiz.youPassed', { score: fmtScore(q.grade) })) : null,
		facts(q),
		h('p', { class: 'muted' }, t(`quiz.policy.${q.review_policy}`)),
		actions(q, ctx),
		attempts(q, data.attempts || []));
}

function facts(q) {
	const row = (k, v) => [h('dt', null, k), h('dd', null, v)];
	const used = q.attempts_used || 0;
	return h('dl', { class: 'facts-list', id: 'quiz-facts' },
		row(t('quiz.questions'), t('quiz.questionCount',
			{ n: q.question_count || 0 })),
		row(t('quiz.passMark'), fmtPercent(q.pass_mark)),
		row(t('quiz.attempts'), q.attempts_allowed === null ||
			q.attempts_allowed === undefined ?
			t('quiz.attemptsUnlimited', { n: used }) :
			t('quiz.attemptsOf', { n: q.attempts_allowed, used })),
		q.attempt_delay_minutes > 0 ? row(t('quiz.delay'),
			t('quiz.minutesValue', { n: q.attempt_delay_minutes })) : null,
		row(t('quiz.timeLimit'), q.time_limit_minutes ?
			t('quiz.minutesValue', { n: q.time_limit_minutes }) :
			t('quiz.noTimeLimit')),
		row(t('quiz.grading'), t(`quiz.grading.${q.grading_method}`)),
		row(t('quiz.yourGrade'), q.grade === null || q.grade === undefined ?
			t('quiz.noGrade') : t(q.passed ? 'quiz.gradePassed' :
				'quiz.gradeNotPassed', { score: fmtScore(q.grade) })),
		row(t('quiz.requiredLabel'), q.required ? t('quiz.required') :
			t('quiz.optional')));
}

function actions(q, ctx) {
	const box = h('section', { class: 'panel', 'aria-labelledby': 'take-h' },
		h('h2', { id: 'take-h' }, t('quiz.takeTitle')));
	const here = `/quizzes/${q.id}`;
	if (q.open_attempt_id) {
		add(box, h('p', null, t('quiz.openAttempt')),
			h('p', { class: 'buttons' }, h('a', { class: 'button',
				id: 'continue', href: `${here}?attempt=${encodeURIComponent(
					q.open_attempt_id)}` }, t('quiz.continue'))));
		return box;
	}
	if (!q.can_start) {
		add(box, h('p', { class: 'notice', id: 'cannot-start' },
			cannotText(q.cannot_start, q.next_attempt_at)));
		return box;
	}
	const msg = h('p', { class: 'form-error', role: 'alert' });
	const button = h('button', { type: 'button', id: 'start' },
		t(q.attempts_used ? 'quiz.startAgain' : 'quiz.start'));
	button.addEventListener('click', async () => {
		button.disabled = true;
		msg.textContent = '';
		let r;
		try {
			r = await api.post(`/api/v1/quizzes/${q.id}/attempts`);
		} catch (e) {
			button.disabled = false;
			msg.textContent = e instanceof ApiError && e.code ===
				'attempt_delay' ? cannotText(e.detail, e.detail.retry_at) :
				errorText(e);
			return;
		}
		started.set(r.attempt.id, r.attempt);
		ctx.navigate(`${here}?attempt=${encodeURIComponent(r.attempt.id)}`);
	});
	add(box, q.time_limit_minutes ? h('p', null, t('quiz.timeWarning',
		{ n: q.time_limit_minutes })) : h('p', null, t('quiz.noTimeHint')),
	h('p', { class: 'buttons' }, button), msg);
	return box;
}

// Why no attempt can start now, in words, by the API's code.
function cannotText(why, at) {
	const code = why && why.code;
	if (code === 'attempt_delay' && at)
		return t('quiz.cannot.attempt_delay', { date: fmtDate(at, true) });
	const key = `quiz.cannot.${code}`;
	return t(key) !== key ? t(key) : t('quiz.cannot.other');
}

function attempts(q, list) {
	const sec = h('section', { 'aria-labelledby': 'attempts-h' },
		h('h2', { id: 'attempts-h' }, t('quiz.yourAttempts')));
	if (list.length === 0) {
		sec.append(h('p', { class: 'muted' }, t('quiz.noAttempts')));
		return sec;
	}
	const items = list.map((a) => {
		const href = `/quizzes/${q.id}?attempt=${encodeURIComponent(a.id)}`;
		if (a.state === 'open') {
			return h('li', null, h('strong', null, t('quiz.attemptN',
				{ n: a.number })), ' · ', t('quiz.inProgress'), ' · ',
			h('a', { href }, t('quiz.continue')));
		}
		forgetAttempt(a.id);
		return h('li', null, h('strong', null, t('quiz.attemptN',
			{ n: a.number })), ' · ',
		t('quiz.attemptScore', { score: fmtScore(a.score),
			date: fmtDate(a.submitted_at, true) }), ' · ',
		t(a.passed ? 'quiz.passed' : 'quiz.notPassed'), ' · ',
		h('a', { href, 'aria-label': t('quiz.seeResultN',
			{ n: a.number }) }, t('quiz.seeResult')));
	});
	sec.append(h('ol', { class: 'attempts' }, items));
	return sec;
}

// A quiz or an attempt the server would not give: not enrolled, not this
// learner's, gone, or the link is down.
function refusal(root, ctx, e, what, quiz) {
	if (e instanceof ApiError && e.status === 404) {
		const title = t(what === 'quiz' ? 'quiz.notFound' :
			'quiz.attemptNotFound');
		ctx.setTitle(title);
		add(root, h('h1', null, title),
			h('p', null, t(what === 'quiz' ? 'quiz.notFoundBody' :
				'quiz.attemptNotFoundBody')),
			h('p', null, quiz ? h('a', { href: `/quizzes/${quiz.id}` },
				t('quiz.backToQuiz')) : h('a', { href: '/learning' },
				t('nav.learning'))));
		return;
	}
	ctx.setTitle(t('error.title'));
	add(root, h('h1', null, t('error.title')), h('p', null, errorText(e)),
		h('p', null, retryButton(ctx)));
}
