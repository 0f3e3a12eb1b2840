// My learning: the courses the learner is enrolled in, how far along each
// is (a bar and its percentage in words), the last activity, and a link
// back to where they left off; above them, while the account's address is
// not verified, a banner that can send the link again.

import {
	h, add, t, getJSON, errorText, retryButton, fmtDate, progressBar,
	currentUser,
} from './lib.js';

export async function render(root, ctx) {
	ctx.setTitle(t('learning.title'));
	add(root, h('h1', null, t('learning.title')));
	await verifyBanner(root);
	let data;
	try {
		data = await getJSON('/api/v1/me/enrollments');
	} catch (e) {
		add(root, h('p', null, errorText(e)),
			h('p', null, retryButton(ctx)));
		return;
	}
	if (!ctx.current())
		return;
	const list = data.enrollments || [];
	if (list.length === 0) {
		add(root, h('p', null, t('learning.empty')),
			h('p', null, h('a', { class: 'button', href: '/courses' },
				t('learning.browse'))));
		return;
	}
	add(root, h('ul', { class: 'cards', id: 'enrollments' },
		list.map(item)));
}

// An address not verified yet: the banner and its "send again" button,
// a module loaded only for the accounts that need it.
async function verifyBanner(root) {
	const user = currentUser();
	if (!user || user.email_verified !== false)
		return;
	try {
		const { banner } = await import('./verify-email.js');
		add(root, banner(user));
	} catch {
		// Not loaded (the link dropped): the next visit shows it.
	}
}

function item(e) {
	const c = e.course || { slug: e.course_slug, title: e.course_slug };
	const slug = encodeURIComponent(c.slug);
	let when;
	if (e.completed_at) {
		when = t('course.completedOn', { date: fmtDate(e.completed_at) });
	} else if (e.last_activity_at) {
		when = t('learning.lastActivity',
			{ date: fmtDate(e.last_activity_at, true) });
	} else {
		when = t('learning.notStarted', { date: fmtDate(e.enrolled_at) });
	}
	const started = Boolean(e.last_activity_at) || e.percent > 0;
	return h('li', { class: 'card' },
		h('article', null,
			h('h2', { lang: c.language }, h('a', { href: `/courses/${slug}` },
				c.title)),
			progressBar(e.percent, t('course.progressOf', { title: c.title })),
			h('p', { class: 'muted' }, when),
			e.completed_at ? h('p', null, h('a', { href: '/certificates' },
				t('course.certificate'), h('span', { class: 'sr-only' },
					` – ${c.title}`))) : null,
			e.resume_lesson_id ? h('p', null, h('a', { class: 'button',
				href: `/lessons/${e.resume_lesson_id}` },
			e.completed_at ? t('learning.review') : started ?
				t('course.continue') : t('course.start'),
			h('span', { class: 'sr-only' }, ` – ${c.title}`))) : null));
}
