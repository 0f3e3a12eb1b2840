// A lesson as learners will read it, for its course's instructors: the
// same rendering as the reader (lesson.js's lessonBody), without the
// reader's progress tracking, so a preview records nothing.

import { h, add, t, getJSON, errorText } from './lib.js';
import { lessonBody } from './lesson.js';

export async function render(root, ctx) {
	let lesson;
	try {
		lesson = await getJSON(`/api/v1/lessons/${ctx.match[1]}`);
	} catch (e) {
		ctx.setTitle(t('error.title'));
		add(root, h('h1', null, t('error.title')),
			h('p', { role: 'alert' }, errorText(e)));
		return;
	}
	if (!ctx.current())
		return;
	const course = lesson.course;
	ctx.setTitle(t('staff.preview.title', { title: lesson.title }));
	add(root,
		h('nav', { class: 'crumbs', 'aria-label': t('lesson.crumbs') },
			h('a', { href: `/staff/courses/${encodeURIComponent(course.slug)}`,
				lang: course.language }, course.title),
			h('span', { 'aria-hidden': 'true' }, ' › '),
			h('span', { lang: course.language }, lesson.module.title)),
		h('p', { class: 'notice', id: 'preview-note' }, t('staff.preview.note')),
		h('h1', { id: 'lesson-h', lang: course.language }, lesson.title),
		h('p', { class: 'muted' }, t('lesson.minutes',
			{ n: lesson.minutes || 0 })),
		h('article', { class: 'lesson', 'aria-labelledby': 'lesson-h' },
			lessonBody(lesson)));
}
