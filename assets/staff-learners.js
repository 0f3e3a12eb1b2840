// The learners of a course and their progress, for its instructors: by
// display name only (an admin also reads the address), searched by name,
// 50 a page. Lessons completed and quizzes passed are written out next to
// the bar, never shown by colour or length alone.

import {
	h, add, t, getJSON, errorText, fmtDate, progressBar,
} from './lib.js';
import { field, pageOf, pager } from './staff-ui.js';

export async function render(root, ctx) {
	const slug = ctx.match[1];
	const here = `/staff/courses/${encodeURIComponent(slug)}`;
	const q = ctx.query.get('q') || '';
	const page = pageOf(ctx);
	const params = new URLSearchParams();
	if (q)
		params.set('q', q);
	params.set('page', String(page));
	let data;
	try {
		data = await getJSON(
			`/api/v1/instructor/courses/${slug}/learners?${params}`);
	} catch (e) {
		ctx.setTitle(t('error.title'));
		add(root, h('h1', null, t('error.title')),
			h('p', { role: 'alert' }, errorText(e, 'staff.error.course')));
		return;
	}
	if (!ctx.current())
		return;
	const c = data.course;
	ctx.setTitle(t('staff.learners.title'));

	const search = field('learners-q', t('staff.learners.search'),
		h('input', { type: 'search', name: 'q', value: q }));
	const form = h('form', { role: 'search', class: 'filters' },
		search.wrap, h('div', { class: 'actions' },
			h('button', { type: 'submit' }, t('staff.learners.find'))));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		const v = search.input.value.trim();
		ctx.navigate(v ? `${here}/learners?q=${encodeURIComponent(v)}` :
			`${here}/learners`);
	});
	add(root, h('p', { class: 'crumbs' },
		h('a', { href: '/staff' }, t('staff.courses.title')),
		h('span', { 'aria-hidden': 'true' }, ' › '),
		h('a', { href: here, lang: c.language }, c.title)),
	h('h1', null, t('staff.learners.title')),
	h('p', { class: 'lead' }, t('staff.learners.lead')),
	form,
	h('p', { role: 'status', id: 'learners-said' },
		t(q ? 'staff.learners.found' : 'staff.learners.count',
			{ n: data.total })));
	if (data.learners.length === 0) {
		add(root, h('p', null, t(q ? 'staff.learners.noneFound' :
			'staff.learners.none')));
		return;
	}
	add(root, h('ul', { class: 'cards', id: 'learners' },
		data.learners.map((l) => learnerCard(l, data))),
	pager(q ? { q } : {}, page, page * data.page_size < data.total));
}

function learnerCard(l, data) {
	const fact = (key, value) => [h('dt', null, t(key)), h('dd', null, value)];
	return h('li', { class: 'card', 'data-id': l.id },
		h('h2', null, l.display_name),
		l.email ? h('p', null, l.email) : null,
		progressBar(l.percent, t('staff.learners.progressOf',
			{ name: l.display_name })),
		h('dl', { class: 'facts' },
			fact('staff.learners.lessons', t('staff.learners.lessonsDone',
				{ n: l.lessons_done, total: data.lessons })),
			data.quizzes > 0 ? fact('staff.learners.quizzes',
				t('staff.learners.quizzesPassed', { n: l.quizzes_passed,
					total: data.quizzes })) : null,
			fact('staff.learners.enrolled', h('time',
				{ datetime: l.enrolled_at }, fmtDate(l.enrolled_at))),
			fact('staff.learners.completed', l.completed_at ?
				h('time', { datetime: l.completed_at },
					fmtDate(l.completed_at)) :
				t('staff.learners.notYet')),
			fact('staff.learners.last', l.last_activity_at ?
				h('time', { datetime: l.last_activity_at },
					fmtDate(l.last_activity_at, true)) :
				t('staff.learners.never'))));
}
