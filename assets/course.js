// A course page: what it is, who it is for, its outline, translations,
// and Enroll or Continue where the learner left off.

import {
	h, add, t, api, getJSON, errorText,
	retryButton, loadSession, languageName, fmtDate,
	progressBar, PROFESSIONS, ApiError,
} from './lib.js';

export async function render(root, ctx) {
	const slug = ctx.match[1];
	const outlineUrl = `/api/v1/courses/${slug}`;
	const outlineP = getJSON(outlineUrl);
	const user = await loadSession();
	// Only ask for progress when enrolled: a learner who is not would get
	// a 404, which the browser reports as an error however it is handled.
	const enrollP = user ? getJSON('/api/v1/me/enrollments')
		.catch(() => null) : Promise.resolve(null);

	let course;
	try {
		course = await outlineP;
	} catch (e) {
		showError(root, ctx, e);
		return;
	}
	const mine = await enrollP;
	const enrollment = mine ? mine.enrollments.find((x) =>
		(x.course_slug || x.course?.slug) === slug) || null : null;
	let progress = null;
	if (enrollment) {
		progress = await getJSON(`/api/v1/courses/${slug}/progress`)
			.catch(() => null);
	}
	if (!ctx.current())
		return;
	ctx.setTitle(course.title);
	add(root, 
		h('p', { class: 'crumbs' }, h('a', { href: '/courses' },
			t('course.back'))),
		h('h1', { lang: course.language }, course.title),
		h('p', { class: 'lead', lang: course.language }, course.summary),
		translations(course),
		facts(course),
		actions(course, user, enrollment, progress, ctx),
		outline(course, enrollment, progress));
}

function showError(root, ctx, e) {
	if (e instanceof ApiError && e.status === 404) {
		ctx.setTitle(t('course.notFound'));
		add(root, h('h1', null, t('course.notFound')),
			h('p', null, h('a', { href: '/courses' }, t('course.back'))));
		return;
	}
	ctx.setTitle(t('error.title'));
	add(root, h('h1', null, t('error.title')), h('p', null, errorText(e)),
		retryButton(ctx));
}

function translations(course) {
	const list = course.translations || [];
	if (list.length === 0)
		return null;
	const links = [];
	list.forEach((tr, i) => {
		if (i > 0)
			links.push(', ');
		links.push(h('a', { href: `/courses/${encodeURIComponent(tr.slug)}`,
			hreflang: tr.language, lang: tr.language, title: tr.title },
		languageName(tr.language, true)));
	});
	return h('p', { class: 'translations' }, t('course.alsoIn'), ' ', links);
}

function facts(course) {
	const aud = course.audiences || [];
	const lessons = (course.modules || []).reduce((n, m) =>
		n + (m.lessons || []).length, 0);
	const row = (k, v) => [h('dt', null, k), h('dd', null, v)];
	return h('dl', { class: 'facts-list' },
		row(t('course.language'), languageName(course.language)),
		row(t('course.hours'), t('course.hoursValue',
			{ n: Number(course.estimated_hours) })),
		row(t('course.lessons'), t('course.lessonCount', { n: lessons })),
		row(t('course.audiences'), aud.length === PROFESSIONS.length ?
			t('course.everyone') :
			aud.map((a) => t(`profession.${a}`)).join(', ')));
}

function actions(course, user, enrollment, progress, ctx) {
	const box = h('section', { class: 'panel', 'aria-labelledby': 'act-h' },
		h('h2', { id: 'act-h' }, t('course.yourPlace')));
	const here = location.pathname;

	if (!user) {
		box.append(h('p', null, t('course.signinToEnroll')),
			h('p', { class: 'buttons' },
				h('a', { class: 'button', href:
					`/signin?next=${encodeURIComponent(here)}` },
				t('nav.signin')),
				h('a', { class: 'button secondary', href:
					`/signup?next=${encodeURIComponent(here)}` },
				t('nav.signup'))));
		return box;
	}

	if (!enrollment) {
		const msg = h('p', { class: 'form-error', role: 'alert' });
		const button = h('button', { type: 'button', id: 'enroll' },
			t('course.enroll'));
		button.addEventListener('click', async () => {
			button.disabled = true;
			msg.textContent = '';
			try {
				await api.post(`/api/v1/courses/${course.slug}/enrollment`);
			} catch (e) {
				button.disabled = false;
				msg.textContent = errorText(e);
				return;
			}
			ctx.announce(t('course.enrolled'));
			ctx.navigate(here, { replace: true });
		});
		box.append(h('p', null, t('course.enrollWhy')),
			h('p', { class: 'buttons' }, button), msg);
		return box;
	}

	const percent = progress ? progress.percent : enrollment.percent;
	const resume = (progress && progress.resume_lesson_id) ||
		enrollment.resume_lesson_id;
	const started = Boolean(enrollment.last_activity_at) || percent > 0;
	box.append(progressBar(percent, t('course.progressOf',
		{ title: course.title })));
	if (enrollment.completed_at) {
		box.append(h('p', null, t('course.completedOn',
			{ date: fmtDate(enrollment.completed_at) })),
		h('p', null, h('a', { href: '/certificates', id: 'certificate' },
			t('course.certificate'))));
	} else if (enrollment.last_activity_at) {
		box.append(h('p', { class: 'muted' }, t('learning.lastActivity',
			{ date: fmtDate(enrollment.last_activity_at, true) })));
	}
	if (resume) {
		box.append(h('p', { class: 'buttons' }, h('a', { class: 'button',
			id: 'continue', href: `/lessons/${resume}` },
		enrollment.completed_at ? t('learning.review') : started ?
			t('course.continue') : t('course.start'))));
	}
	return box;
}

function outline(course, enrollment, progress) {
	const state = new Map();
	const quizzes = new Map();
	for (const m of (progress && progress.modules) || []) {
		for (const l of m.lessons || [])
			state.set(l.id, l);
		if (m.quiz)
			quizzes.set(m.quiz.id, m.quiz);
	}
	const sec = h('section', { 'aria-labelledby': 'outline-h' },
		h('h2', { id: 'outline-h' }, t('course.outline')));
	if ((course.modules || []).length === 0)
		sec.append(h('p', null, t('course.noModules')));
	for (const m of course.modules || []) {
		const items = (m.lessons || []).map((l) =>
			lessonItem(course, m, l, enrollment, state.get(l.id)));
		if (m.quiz)
			items.push(quizItem(course, m.quiz, enrollment,
				quizzes.get(m.quiz.id)));
		sec.append(h('h3', { lang: course.language }, m.title),
			h('ol', { class: 'lessons' }, items));
	}
	return sec;
}

// A module's quiz: a link to it once enrolled, whether it is required,
// and whether this learner has passed it (in words, not by colour).
function quizItem(course, quiz, enrollment, st) {
	const meta = [t('course.quiz'), t(quiz.required ? 'course.quizRequired' :
		'course.quizOptional')];
	if (enrollment && st)
		meta.push(t(st.passed ? 'course.quizPassed' : 'course.quizNotPassed'));
	const label = t('course.quizLink', { title: quiz.title });
	const title = enrollment ? h('a', { href: `/quizzes/${quiz.id}`,
		lang: course.language, class: 'quiz-link' }, label) :
		h('span', { class: 'title', lang: course.language }, label);
	const done = st && st.passed ? 'completed' : 'none';
	return h('li', { class: `lesson quiz is-${done}` }, title,
		h('span', { class: 'meta' }, meta.join(' · ')));
}

function lessonItem(course, module, lesson, enrollment, st) {
	const meta = [t('lesson.minutes', { n: lesson.minutes || 0 })];
	let title;
	if (enrollment && st && st.locked) {
		title = h('span', { class: 'title', lang: course.language },
			lesson.title);
		meta.push(t('lesson.status.locked'));
		meta.push(module.requires_previous ? t('lesson.lockedModule') :
			t('lesson.lockedSequential'));
	} else if (enrollment) {
		title = h('a', { href: `/lessons/${lesson.id}`,
			lang: course.language }, lesson.title);
		if (st)
			meta.push(t(`lesson.status.${st.status}`));
	} else {
		title = h('span', { class: 'title', lang: course.language },
			lesson.title);
	}
	const state = st ? (st.locked ? 'locked' : st.status) : 'none';
	return h('li', { class: `lesson is-${state}` }, title,
		h('span', { class: 'meta' }, meta.join(' · ')));
}
