// A quiz's settings (as Moodle names them) and its statistics: attempts
// and pass rate; per question the facility index, the discrimination index
// and each choice's pick rate, numbers written in the user's locale and
// said in words, never by colour alone.

import {
	h, add, t, api, getJSON, errorText, fmtNumber, fmtPercent, ApiError,
} from './lib.js';
import {
	field, formError, clearErrors, apiFailure,
} from './staff-ui.js';

const GRADING = ['highest', 'average', 'first', 'last'];
const REVIEW = ['score_only', 'after_passing', 'after_last_attempt'];

export async function render(root, ctx) {
	if (ctx.name === 'stats')
		return stats(root, ctx, ctx.match[1]);
	return settings(root, ctx, ctx.match[1]);
}

function failed(root, ctx, e) {
	ctx.setTitle(t('error.title'));
	add(root, h('h1', null, t('error.title')),
		h('p', { role: 'alert' }, errorText(e, 'staff.error.quiz')));
}

// The course a quiz belongs to, as the course page's links name it
// (?course=SLUG): the quiz's answers do not say, and the API checks the
// caller's right to it either way.
function courseOf(ctx) {
	const slug = ctx.query.get('course') || '';
	return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug) ? slug : null;
}

function crumbs(slug) {
	return h('p', { class: 'crumbs' },
		h('a', { href: '/staff' }, t('staff.courses.title')),
		slug ? [h('span', { 'aria-hidden': 'true' }, ' › '),
			h('a', { href: `/staff/courses/${slug}` },
				t('staff.quiz.course'))] : null);
}

function withCourse(path, slug) {
	return slug ? `${path}?course=${slug}` : path;
}

// ---------------------------------------------------------------- settings

function numberInput(v, min, max) {
	return h('input', { type: 'number', min: String(min), max: String(max),
		step: '1', inputmode: 'numeric', value: v ?? '' });
}

function choose(values, current, prefix) {
	return h('select', null, values.map((v) => h('option', { value: v,
		selected: v === current }, t(`${prefix}.${v}`))));
}

function settingsFields(q) {
	return {
		pass_mark: field('quiz-pass', t('staff.quiz.passMark'),
			numberInput(q.pass_mark, 0, 100),
			{ hint: t('staff.quiz.passMarkHint') }),
		attempts_allowed: field('quiz-attempts', t('staff.quiz.attempts'),
			numberInput(q.attempts_allowed, 1, 100),
			{ optional: true, hint: t('staff.quiz.attemptsHint') }),
		attempt_delay_minutes: field('quiz-delay', t('staff.quiz.delay'),
			numberInput(q.attempt_delay_minutes ?? 0, 0, 43200),
			{ hint: t('staff.quiz.delayHint') }),
		time_limit_minutes: field('quiz-limit', t('staff.quiz.limit'),
			numberInput(q.time_limit_minutes, 1, 600),
			{ optional: true, hint: t('staff.quiz.limitHint') }),
		grading_method: field('quiz-grading', t('staff.quiz.grading'),
			choose(GRADING, q.grading_method, 'staff.quiz.grading')),
		review_policy: field('quiz-review', t('staff.quiz.review'),
			choose(REVIEW, q.review_policy, 'staff.quiz.review')),
		draw_count: field('quiz-draw', t('staff.quiz.draw'),
			numberInput(q.draw_count, 1, 500),
			{ optional: true, hint: t('staff.quiz.drawHint') }),
	};
}

function checkbox(id, label, checked) {
	const input = h('input', { type: 'checkbox', id, checked: !!checked });
	return { input, wrap: h('div', { class: 'field check' }, input,
		h('label', { for: id }, label)) };
}

// The bank's categories whose questions join the quiz's pool: boxes when
// the bank is known, else one name a line.
function poolField(q, categories) {
	const chosen = q.pool_categories || [];
	if (categories) {
		const names = [...new Set([...categories.map((c) => c.name),
			...chosen])].filter((n) => n !== '');
		const boxes = names.map((n, i) => {
			const input = h('input', { type: 'checkbox', id: `pool-${i}`,
				value: n, checked: chosen.includes(n) });
			return h('div', { class: 'check' }, input,
				h('label', { for: `pool-${i}` }, n));
		});
		const set = h('fieldset', { class: 'field checks', id: 'quiz-pool' },
			h('legend', null, t('staff.quiz.pool')),
			h('p', { class: 'hint' }, t('staff.quiz.poolHint')),
			boxes.length ? boxes : h('p', null, t('staff.quiz.poolNone')));
		return { wrap: set, value: () => [...set.querySelectorAll(
			'input:checked')].map((i) => i.value) };
	}
	const f = field('quiz-pool', t('staff.quiz.pool'), h('textarea',
		{ rows: '3' }, chosen.join('\n')),
	{ optional: true, hint: t('staff.quiz.poolLines') });
	return { wrap: f.wrap, field: f, value: () => f.input.value.split('\n')
		.map((s) => s.trim()).filter(Boolean) };
}

async function settings(root, ctx, id) {
	const url = `/api/v1/instructor/quizzes/${id}`;
	let q;
	try {
		q = (await getJSON(url)).quiz;
	} catch (e) {
		failed(root, ctx, e);
		return;
	}
	const slug = courseOf(ctx);
	let categories = null;
	if (slug) {
		try {
			categories = (await getJSON(
				`/api/v1/instructor/courses/${slug}/questions`)).categories;
		} catch {
			categories = null;
		}
	}
	if (!ctx.current())
		return;
	ctx.setTitle(t('staff.quiz.settingsTitle', { title: q.title }));
	const fields = settingsFields(q);
	const required = checkbox('quiz-required', t('staff.quiz.required'),
		q.required);
	const perCat = checkbox('quiz-percat', t('staff.quiz.perCategory'),
		q.draw_per_category);
	const pool = poolField(q, categories);
	const err = formError();
	const said = h('p', { role: 'status', class: 'muted', id: 'quiz-said' });
	const submit = h('button', { type: 'submit' }, t('staff.quiz.save'));
	const form = h('form', { novalidate: true, 'aria-labelledby': 'quiz-h' },
		err, fields.pass_mark.wrap, required.wrap,
		fields.attempts_allowed.wrap, fields.attempt_delay_minutes.wrap,
		fields.time_limit_minutes.wrap, fields.grading_method.wrap,
		fields.review_policy.wrap, fields.draw_count.wrap, perCat.wrap,
		pool.wrap, h('p', null, submit));
	const all = pool.field ? { ...fields, pool_categories: pool.field } :
		fields;
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(all, err);
		const body = settingsBody(fields, required, perCat, pool);
		const bad = Object.keys(body).find((k) =>
			typeof body[k] === 'number' && !Number.isInteger(body[k]));
		if (bad) {
			apiFailure(new ApiError(422, { error: { code: 'invalid_field',
				field: bad } }), all, err);
			return;
		}
		submit.disabled = true;
		try {
			const r = await api.patch(url, body);
			q = r.quiz;
			said.textContent = t('staff.quiz.saved');
			const size = document.getElementById('quiz-pool-size');
			if (size && Number.isInteger(q.pool_size))
				size.textContent = t('staff.quiz.poolSize',
					{ n: q.question_count, pool: q.pool_size });
		} catch (x) {
			apiFailure(x, all, err);
		} finally {
			submit.disabled = false;
		}
	});
	add(root, crumbs(slug),
		h('h1', { id: 'quiz-h' }, t('staff.quiz.settingsTitle',
			{ title: q.title })),
		q.module ? h('p', null, t('staff.quiz.module',
			{ title: q.module.title })) : null,
		Number.isInteger(q.pool_size) ? h('p', { id: 'quiz-pool-size' },
			t('staff.quiz.poolSize', { n: q.question_count,
				pool: q.pool_size })) : null,
		h('p', null, h('a', { href: withCourse(`/staff/quizzes/${id}/stats`,
			slug) }, t('staff.quiz.stats'))),
		said, form);
}

// Every setting, an emptied optional number as null (no limit).
function settingsBody(fields, required, perCat, pool) {
	const num = (f) => (f.input.value === '' ? null : Number(f.input.value));
	return {
		pass_mark: num(fields.pass_mark),
		required: required.input.checked,
		attempts_allowed: num(fields.attempts_allowed),
		attempt_delay_minutes: num(fields.attempt_delay_minutes) ?? 0,
		time_limit_minutes: num(fields.time_limit_minutes),
		grading_method: fields.grading_method.input.value,
		review_policy: fields.review_policy.input.value,
		draw_count: num(fields.draw_count),
		draw_per_category: perCat.input.checked,
		pool_categories: pool.value(),
	};
}

// ---------------------------------------------------------------- statistics

const ratio = (x) => (x === null || x === undefined ? t('staff.stats.none') :
	fmtPercent(x * 100));

function index(x) {
	if (x === null || x === undefined)
		return t('staff.stats.none');
	return fmtNumber(x, { minimumFractionDigits: 2,
		maximumFractionDigits: 2, signDisplay: 'exceptZero' });
}

async function stats(root, ctx, id) {
	let s;
	try {
		s = await getJSON(`/api/v1/instructor/quizzes/${id}/stats`);
	} catch (e) {
		failed(root, ctx, e);
		return;
	}
	if (!ctx.current())
		return;
	const q = s.quiz;
	ctx.setTitle(t('staff.stats.title', { title: q.title }));
	const fact = (key, value, id2) => [h('dt', null, t(key)),
		h('dd', { id: id2 || null }, value)];
	const slug = courseOf(ctx);
	add(root, crumbs(slug),
		h('h1', null, t('staff.stats.title', { title: q.title })),
		h('p', null, h('a', { href: withCourse(`/staff/quizzes/${id}`, slug) },
			t('staff.quiz.settings'))),
		h('dl', { class: 'facts', id: 'stats-summary' },
			fact('staff.stats.attempts', fmtNumber(s.attempts),
				'stats-attempts'),
			fact('staff.stats.learners', fmtNumber(s.learners)),
			fact('staff.stats.passRate', ratio(s.pass_rate), 'stats-pass'),
			fact('staff.stats.mean', s.mean_score === null ?
				t('staff.stats.none') : fmtPercent(s.mean_score),
			'stats-mean'),
			fact('staff.stats.passMark', fmtPercent(q.pass_mark))),
		h('details', { class: 'explain' },
			h('summary', null, t('staff.stats.howTo')),
			h('p', null, t('staff.stats.facilityHelp')),
			h('p', null, t('staff.stats.discriminationHelp'))));
	if (s.attempts === 0) {
		add(root, h('p', null, t('staff.stats.noAttempts')));
		return;
	}
	add(root, h('h2', null, t('staff.stats.questions')),
		h('ol', { class: 'cards', id: 'stats-questions' },
			s.questions.map(questionStats)));
}

function questionStats(x, i) {
	const warn = x.discrimination !== null && x.discrimination < 0;
	const hid = `sq-${i}`;
	return h('li', { class: 'card', 'data-key': x.key },
		h('h3', { id: hid }, x.title || x.prompt),
		x.title ? h('p', { class: 'prompt' }, x.prompt) : null,
		h('dl', { class: 'facts' },
			h('dt', null, t('staff.stats.drawn')),
			h('dd', null, fmtNumber(x.attempts)),
			h('dt', null, t('staff.stats.facility')),
			h('dd', { class: 'facility' }, ratio(x.facility)),
			h('dt', null, t('staff.stats.discrimination')),
			h('dd', { class: 'discrimination' }, index(x.discrimination))),
		warn ? h('p', { class: 'notice' }, h('strong', null,
			t('staff.stats.check')), ' ', t('staff.stats.negative')) : null,
		x.choices ? h('table', { class: 'results choices',
			'aria-labelledby': hid },
		h('thead', null, h('tr', null,
			h('th', { scope: 'col' }, t('staff.stats.choice')),
			h('th', { scope: 'col' }, t('staff.stats.picks')),
			h('th', { scope: 'col' }, t('staff.stats.pickRate')))),
		h('tbody', null, x.choices.map((c) => h('tr', { 'data-key': c.key },
			h('td', null, c.text),
			h('td', null, fmtNumber(c.picks)),
			h('td', null, fmtPercent(c.pick_rate * 100)))))) : null);
}
