// A submitted attempt: the score against the pass mark, what it did for the
// course, and the review the quiz's policy allows (each question's state
// and mark, the learner's answer, the right one, feedback, explanation).
// Every text from the course is inserted as text, in the course's lang.

import { h, add, t, fmtDate, fmtNumber } from './lib.js';

// A score of 0..100 as a percentage, never rounded up past what it is:
// 69.96 with a pass mark of 70 reads 69.9 %, not 70 %.
export function fmtScore(score) {
	const s = Math.floor((Number(score) || 0) * 10) / 10;
	return fmtNumber(s / 100, { style: 'percent',
		maximumFractionDigits: 1 });
}

// The crumbs (course › module) and the quiz's title, as every quiz page
// starts.
export function quizHeader(q, lang) {
	const course = q.course || {};
	return [h('nav', { class: 'crumbs', 'aria-label': t('lesson.crumbs') },
		h('a', { href: `/courses/${encodeURIComponent(course.slug || '')}`,
			lang }, course.title || ''),
		q.module ? [h('span', { 'aria-hidden': 'true' }, ' › '),
			h('span', { lang }, q.module.title)] : null),
	h('h1', { id: 'quiz-h', lang }, q.title)];
}

// page: { quiz, lang, ctx }; a: the SUBMITTED attempt.
export function result(root, page, a) {
	const { quiz, lang, ctx } = page;
	ctx.setTitle(t('quiz.resultTitle', { title: quiz.title }));
	const passMark = a.pass_mark ?? quiz.pass_mark;
	const verdict = a.passed ?
		t('quiz.resultPassed', { score: fmtScore(a.score) }) :
		t('quiz.resultFailed', { score: fmtScore(a.score),
			pass: fmtScore(passMark) });
	const box = h('section', { class: 'panel result', id: 'result',
		'aria-labelledby': 'result-h' },
	h('h2', { id: 'result-h' }, t('quiz.resultHeading', { n: a.number })),
	h('p', { class: `verdict ${a.passed ? 'is-passed' : 'is-failed'}`,
		id: 'verdict' }, verdict),
	h('p', { class: 'muted' }, t('quiz.submittedOn',
		{ date: fmtDate(a.submitted_at, true) })),
	a.submitted_by === 'deadline' ? h('p', null, t('quiz.byDeadline')) :
		null,
	a.course_completed ? h('p', { class: 'notice', id: 'course-done' },
		t('quiz.courseCompleted')) : null,
	h('p', { class: 'buttons' },
		h('a', { class: 'button', href: `/quizzes/${quiz.id}`,
			id: 'back-to-quiz' }, t('quiz.backToQuiz')),
		h('a', { class: 'button secondary', href: `/courses/${
			encodeURIComponent(quiz.course.slug)}` }, t('quiz.backToCourse'))));
	add(root, quizHeader(quiz, lang), box, review(a, quiz, lang));
}

function review(a, quiz, lang) {
	const sec = h('section', { 'aria-labelledby': 'review-h',
		class: 'review' }, h('h2', { id: 'review-h' }, t('quiz.reviewTitle')));
	if (!Array.isArray(a.review)) {
		sec.append(h('p', { class: 'muted', id: 'no-review' },
			t(`quiz.policy.${quiz.review_policy}`)));
		return sec;
	}
	const total = Math.max(a.review.length,
		...a.review.map((r) => Number(r.number) || 0));
	a.review.forEach((r, i) => sec.append(item(r, i + 1, total, lang)));
	return sec;
}

function item(r, n, total, lang) {
	const hid = `review-${n}`;
	const state = ['correct', 'partial', 'incorrect', 'unanswered']
		.includes(r.state) ? r.state : 'incorrect';
	const art = h('article', { class: `review-item is-${state}`,
		'aria-labelledby': hid, 'data-qid': r.id },
	h('h3', { id: hid }, t('quiz.questionN', { n: r.number || n, total })),
	h('p', { class: 'review-state' }, h('strong', null,
		t(`quiz.state.${state}`)), ' · ', t('quiz.mark', {
		mark: fmtNumber(Number(r.mark) || 0, { maximumFractionDigits: 2 }) })),
	h('p', { class: 'prompt', lang }, r.prompt));
	art.append(...details(r, lang));
	if (r.feedback)
		art.append(h('p', { class: 'feedback' }, t('quiz.feedback'), ' ',
			h('span', { lang }, r.feedback)));
	if (r.explanation) {
		art.append(h('p', { class: 'explanation' },
			h('strong', null, t('quiz.explanation')), ' ',
			h('span', { lang }, r.explanation)));
	}
	return art;
}

function details(r, lang) {
	if (Array.isArray(r.choices))
		return [choices(r, lang)];
	if (Array.isArray(r.order))
		return ordering(r, lang);
	if (Array.isArray(r.pairs))
		return [matching(r, lang)];
	return typed(r, lang);
}

function choices(r, lang) {
	return h('ul', { class: 'review-choices' }, r.choices.map((c) => {
		const tags = [];
		if (c.selected)
			tags.push(t('quiz.yourChoice'));
		if (c.correct)
			tags.push(t('quiz.rightChoice'));
		return h('li', { class: [c.selected ? 'is-selected' : '',
			c.correct ? 'is-right' : ''].join(' ').trim() || null },
		h('span', { lang }, c.text),
		tags.length ? h('span', { class: 'tags' }, ` (${tags.join(', ')})`) :
			null,
		c.selected && c.feedback ? h('span', { class: 'feedback' },
			h('br'), h('span', { lang }, c.feedback)) : null);
	}));
}

// Short answer and numeric: the response as typed, and what is accepted.
function typed(r, lang) {
	const out = [];
	const has = r.response !== undefined && r.response !== null &&
		String(r.response).trim() !== '';
	out.push(h('p', { class: 'response' }, t('quiz.yourAnswer'), ' ',
		has ? h('span', { lang }, String(r.response)) :
			h('em', null, t('quiz.noAnswer'))));
	if (r.not_a_number)
		out.push(h('p', null, t('quiz.notANumber')));
	const acc = (r.accepted || []).map((x) => (typeof x === 'object' &&
		x !== null ? numberText(x) : String(x)));
	if (acc.length) {
		out.push(h('p', { class: 'accepted' }, t('quiz.accepted'), ' ',
			h('span', { lang }, acc.join('; '))));
	}
	return out;
}

function numberText(x) {
	const v = fmtNumber(Number(x.value), { maximumFractionDigits: 6 });
	if (!Number(x.tolerance))
		return v;
	return t('quiz.plusMinus', { value: v, tolerance: fmtNumber(
		Number(x.tolerance), { maximumFractionDigits: 6 }) });
}

function ordering(r, lang) {
	const mine = r.order.length ? h('ol', { class: 'review-order' },
		r.order.map((o) => h('li', { class: o.in_place ? 'is-right' :
			'is-wrong' }, h('span', { lang }, o.text), ' ',
		h('span', { class: 'tags' }, `(${t(o.in_place ? 'quiz.inPlace' :
			'quiz.notInPlace')})`)))) :
		h('p', null, h('em', null, t('quiz.noAnswer')));
	return [h('p', null, t('quiz.yourOrder')), mine,
		h('p', null, t('quiz.rightOrder')),
		h('ol', { class: 'review-order' }, (r.right_order || []).map((x) =>
			h('li', { lang }, x)))];
}

function matching(r, lang) {
	return h('ul', { class: 'review-pairs' }, r.pairs.map((p) => h('li', {
		class: p.correct ? 'is-right' : 'is-wrong' },
	h('span', { class: 'pair-prompt', lang }, p.prompt), h('br'),
	t('quiz.yourAnswer'), ' ', p.chosen ? h('span', { lang }, p.chosen) :
		h('em', null, t('quiz.noAnswer')), ' ',
	h('span', { class: 'tags' }, `(${t(p.correct ? 'quiz.pairRight' :
		'quiz.pairWrong')})`),
	p.correct ? null : [h('br'), t('quiz.rightAnswer'), ' ',
		h('span', { lang }, p.answer)])));
}
