// The lesson reader. The lesson's HTML was rendered and sanitised by the
// server at import; it is the one thing in these pages inserted as markup,
// through a Trusted Types policy where the browser has them. Everything
// else is text.
//
// Progress: the position is the scroll fraction (0..1); time is counted
// while the page is visible and the learner is not idle, and sent every
// 15 s, when the page is hidden or left, and when the end of the lesson
// comes into view (that beat also marks it completed).

import {
	h, add, t, getJSON, errorText,
	retryButton, loadSession, safeUrl, ApiError, languageName,
	fmtPercent,
} from './lib.js';
import {
	enqueue, flush, pendingPosition, beatEvents, queueState,
} from './beats.js';

const HEARTBEAT_MS = 15000;
const IDLE_MS = 5 * 60 * 1000;

// Positions sent during this page's life: fresher than a lesson fetched
// while the last beat was still on its way.
const lastPositions = new Map();

let policy = null;

function lessonHtml(html) {
	if (!window.trustedTypes)
		return html;
	if (!policy) {
		policy = window.trustedTypes.createPolicy('lesson-html',
			{ createHTML: (s) => s });
	}
	return policy.createHTML(html);
}

export async function render(root, ctx) {
	const id = ctx.match[1];
	const user = await loadSession();
	let lesson;
	try {
		lesson = await getJSON(`/api/v1/lessons/${id}`);
	} catch (e) {
		refusal(root, ctx, e);
		return null;
	}
	if (!ctx.current())
		return null;

	const course = lesson.course;
	ctx.setTitle(lesson.title);
	const body = lessonBody(lesson);
	const end = h('div', { class: 'lesson-end', 'aria-hidden': 'true' });
	const status = h('p', { class: 'save-status', role: 'status' });

	add(root, 
		h('nav', { class: 'crumbs', 'aria-label': t('lesson.crumbs') },
			h('a', { href: `/courses/${encodeURIComponent(course.slug)}`,
				lang: course.language }, course.title),
			h('span', { 'aria-hidden': 'true' }, ' › '),
			h('span', { lang: course.language }, lesson.module.title)),
		h('h1', { id: 'lesson-h', lang: course.language }, lesson.title),
		h('p', { class: 'muted' }, t('lesson.minutes',
			{ n: lesson.minutes || 0 })),
		video(lesson),
		h('article', { class: 'lesson', 'aria-labelledby': 'lesson-h' }, body),
		attachments(lesson),
		end,
		status,
		pager(lesson));

	const pos = pendingPosition(user.id, id) ?? lastPositions.get(id) ??
		(lesson.progress ? Number(lesson.progress.position) : 0);
	restore(pos, body);
	return track(user, lesson, end, status);
}

// The lesson's server-rendered HTML, as the reader shows it (and as the
// staff area's preview shows it: the one place either inserts markup).
export function lessonBody(lesson) {
	const body = h('div', { class: 'lesson-body',
		lang: lesson.course.language });
	body.innerHTML = lessonHtml(lesson.html || '');
	fitHeadings(body);
	return body;
}

// The page's h1 is the lesson's title, so the body's top headings are h2
// whatever level the package's Markdown gave them, and the outline a
// screen reader lists has no gap and no second h1.
function fitHeadings(body) {
	const all = [...body.querySelectorAll('h1, h2, h3, h4, h5, h6')];
	const level = (e) => Number(e.tagName.slice(1));
	if (all.length === 0)
		return;
	const shift = 2 - Math.min(...all.map(level));
	if (shift === 0)
		return;
	for (const e of all) {
		const to = document.createElement(`h${Math.min(6, level(e) + shift)}`);
		for (const a of e.attributes)
			to.setAttribute(a.name, a.value);
		to.append(...e.childNodes);
		e.replaceWith(to);
	}
}

function fraction() {
	const max = document.documentElement.scrollHeight - window.innerHeight;
	if (max <= 0)
		return 1;
	return Math.max(0, Math.min(1, window.scrollY / max));
}

function scrollToFraction(f) {
	const max = document.documentElement.scrollHeight - window.innerHeight;
	if (max > 0 && f > 0)
		window.scrollTo(0, Math.round(f * max));
}

// Video waits for the play button (preload none): on a slow link the
// lesson text comes first, and nobody pays for a video they skip.

// Back to where the learner was, again once late images have their size.
function restore(pos, body) {
	if (!(pos > 0))
		return;
	requestAnimationFrame(() => scrollToFraction(pos));
	const pending = [...body.querySelectorAll('img')].filter((i) =>
		!i.complete);
	if (pending.length) {
		Promise.all(pending.map((i) => new Promise((r) => {
			i.addEventListener('load', r, { once: true });
			i.addEventListener('error', r, { once: true });
		}))).then(() => scrollToFraction(pos));
	}
}

function track(user, lesson, end, status) {
	const id = lesson.id;
	let visibleSince = document.visibilityState === 'visible' ?
		performance.now() : null;
	let carried = 0;
	let lastActive = performance.now();
	let done = lesson.progress && lesson.progress.status === 'completed';
	let lastBeat = { at: 0, position: -1 };
	let stopped = false;

	const takeSeconds = () => {
		const now = performance.now();
		if (visibleSince !== null) {
			// Idle time beyond the limit is not reading time.
			const until = Math.min(now, lastActive + IDLE_MS);
			carried += Math.max(0, until - visibleSince);
			visibleSince = now;
		}
		const s = Math.floor(carried / 1000);
		carried -= s * 1000;
		return s;
	};

	const beat = (opts) => {
		const position = fraction();
		const delta = takeSeconds();
		const now = performance.now();
		if (opts && opts.skipIfSame && delta === 0 &&
		    position === lastBeat.position && now - lastBeat.at < 2000)
			return;
		lastBeat = { at: now, position };
		lastPositions.set(id, position);
		enqueue(user.id, id, { position, time_spent_delta: delta,
			completed: done }, opts);
	};

	const active = () => { lastActive = performance.now(); };
	const onVisibility = () => {
		if (document.visibilityState === 'hidden') {
			beat({ keepalive: true });
			visibleSince = null;
		} else {
			visibleSince = performance.now();
			active();
		}
	};
	const onPageHide = () => beat({ keepalive: true, skipIfSame: true });
	const heartbeat = setInterval(() => {
		if (document.visibilityState === 'visible' &&
		    performance.now() - lastActive < IDLE_MS)
			beat();
	}, HEARTBEAT_MS);

	const observer = new IntersectionObserver((entries) => {
		if (entries.some((e) => e.isIntersecting) && !done) {
			done = true;
			beat();
		}
	});
	// Observed after the restoring scroll, so a resumed lesson does not
	// count as finished because it began at the top.
	requestAnimationFrame(() => requestAnimationFrame(() => {
		if (!stopped)
			observer.observe(end);
	}));

	const onState = (e) => {
		const s = e.detail.state;
		if (s === 'offline')
			status.textContent = t('lesson.offline');
		else if (s === 'signedout')
			status.textContent = t('lesson.signedOut');
		else if (s === 'idle' && status.dataset.state === 'offline')
			status.textContent = t('lesson.backOnline');
		status.dataset.state = s;
	};
	const onSent = (e) => {
		const r = e.detail.result;
		if (e.detail.lesson === id && r && r.status === 'completed' &&
		    status.dataset.state !== 'offline' && !status.dataset.done) {
			status.dataset.done = '1';
			status.textContent = t('lesson.completed',
				{ p: fmtPercent(r.course ? r.course.percent : 0) });
		}
	};
	beatEvents.addEventListener('state', onState);
	beatEvents.addEventListener('sent', onSent);
	if (queueState() === 'offline')
		onState({ detail: { state: 'offline' } });

	const events = [['scroll', active], ['keydown', active],
		['pointerdown', active], ['pagehide', onPageHide]];
	for (const [ev, fn] of events)
		window.addEventListener(ev, fn, { passive: true });
	document.addEventListener('visibilitychange', onVisibility);

	// Leaving the lesson: the last beat goes now. The promise settles once
	// the queue is sent (or stuck), for a sign-out to wait on: a flush
	// while the beat's own flush runs joins it.
	return () => {
		stopped = true;
		beat({ skipIfSame: true });
		clearInterval(heartbeat);
		observer.disconnect();
		for (const [ev, fn] of events)
			window.removeEventListener(ev, fn);
		document.removeEventListener('visibilitychange', onVisibility);
		beatEvents.removeEventListener('state', onState);
		beatEvents.removeEventListener('sent', onSent);
		return flush(user.id);
	};
}

function video(lesson) {
	const v = lesson.video;
	const src = v && safeUrl(v.url);
	if (!src)
		return null;
	const el = h('video', { controls: true, preload: 'none', src,
		class: 'lesson-video' });
	const cap = safeUrl(v.captions_url);
	if (cap) {
		el.append(h('track', { kind: 'captions', src: cap, default: true,
			srclang: lesson.course.language,
			label: languageName(lesson.course.language) }));
	}
	return el;
}

function attachments(lesson) {
	const list = (lesson.attachments || []).filter((a) => safeUrl(a.url));
	if (list.length === 0)
		return null;
	return h('section', { 'aria-labelledby': 'att-h', class: 'attachments' },
		h('h2', { id: 'att-h' }, t('lesson.attachments')),
		h('ul', null, list.map((a) => h('li', null,
			h('a', { href: safeUrl(a.url) }, a.name), ' ',
			h('span', { class: 'muted' }, t('lesson.kb',
				{ n: Math.max(1, Math.round((a.size || 0) / 1024)) }))))));
}

function pager(lesson) {
	const items = [];
	if (lesson.prev) {
		items.push(h('a', { href: `/lessons/${lesson.prev.id}`, rel: 'prev',
			class: 'prev' }, h('span', { class: 'dir' }, t('lesson.prev')),
		h('span', { lang: lesson.course.language }, lesson.prev.title)));
	}
	if (lesson.next) {
		items.push(h('a', { href: `/lessons/${lesson.next.id}`, rel: 'next',
			class: 'next' }, h('span', { class: 'dir' }, t('lesson.next')),
		h('span', { lang: lesson.course.language }, lesson.next.title)));
	} else {
		items.push(h('a', { class: 'next', href:
			`/courses/${encodeURIComponent(lesson.course.slug)}` },
		h('span', { class: 'dir' }, t('lesson.backToCourse')),
		h('span', { lang: lesson.course.language }, lesson.course.title)));
	}
	return h('nav', { class: 'pager', 'aria-label': t('lesson.pager') },
		items);
}

// What a module still asks for, as the server's unlock.reason says: its
// lessons left, its quiz, or both (older answers carry no reason).
function moduleLockText(u) {
	const v = { title: u.title, quiz: u.quiz_title,
		n: (u.lessons || []).length };
	switch (u.reason) {
	case 'module_lessons':
		return t('lesson.unlockModuleLessons', v);
	case 'module_lessons_and_quiz':
		return t('lesson.unlockModuleLessonsQuiz', v);
	case 'quiz':
		return t('lesson.unlockModuleQuiz', v);
	default:
		return t('lesson.unlockModule', v);
	}
}

// A lesson the server would not give: locked, not enrolled, gone, or the
// link is down.
function refusal(root, ctx, e) {
	const back = h('p', null, h('a', { href: '/learning' },
		t('nav.learning')));
	if (e instanceof ApiError && e.code === 'lesson_locked') {
		const u = e.detail.unlock || {};
		let why = t('lesson.unlockOther');
		let link = null;
		if (u.lesson_id) {
			why = t('lesson.unlockLesson', { title: u.title });
			link = h('p', null, h('a', { href: `/lessons/${u.lesson_id}` },
				t('lesson.goUnlock', { title: u.title })));
		} else if (u.module_id) {
			why = moduleLockText(u);
			const next = (u.lessons || [])[0];
			if (next && next.id) {
				link = h('p', null, h('a', { href: `/lessons/${next.id}` },
					t('lesson.goUnlock', { title: next.title })));
			} else if (u.quiz_id) {
				link = h('p', null, h('a', { href: `/quizzes/${u.quiz_id}`,
					id: 'unlock-quiz' }, t('lesson.goQuiz',
					{ quiz: u.quiz_title })));
			}
		}
		ctx.setTitle(t('lesson.lockedTitle'));
		add(root, h('h1', null, t('lesson.lockedTitle')),
			h('p', { class: 'locked-why' },
				h('span', { class: 'badge' }, t('lesson.status.locked')), ' ',
				why), link, back);
		return;
	}
	if (e instanceof ApiError && e.code === 'not_enrolled') {
		ctx.setTitle(t('lesson.notEnrolledTitle'));
		add(root, h('h1', null, t('lesson.notEnrolledTitle')),
			h('p', null, t('lesson.notEnrolled')),
			h('p', null, h('a', { href: '/courses' }, t('nav.courses'))));
		return;
	}
	if (e instanceof ApiError && e.status === 404) {
		ctx.setTitle(t('lesson.notFound'));
		add(root, h('h1', null, t('lesson.notFound')), back);
		return;
	}
	ctx.setTitle(t('error.title'));
	add(root, h('h1', null, t('error.title')), h('p', null, errorText(e)),
		h('p', null, retryButton(ctx)), back);
}
