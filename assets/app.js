// The shell: picks the language, draws the header, and routes every page
// path to a view module loaded on demand. Views render into a fresh root
// element, so a slow answer for a page already left lands nowhere.

import {
	h, add, t, events, prefetch, currentUser, loadSession, setLanguage,
	currentLanguage, uiLanguage, signOut, maybeSignedIn, localPath,
	announce, setTitle, interceptLinks, skipLink, languageBox, headingFocus,
} from './lib.js';

// Each route: a pattern, the view module (static strings, so the browser
// can preload them), and the data the view will ask for, fetched while the
// module loads instead of after.
const routes = [
	{ re: /^\/(?:courses\/?)?$/, view: () => import('./catalog.js') },
	{ re: /^\/courses\/([a-z0-9]+(?:-[a-z0-9]+)*)$/,
		view: () => import('./course.js'),
		data: (m) => [`/api/v1/courses/${m[1]}`] },
	{ re: /^\/lessons\/([0-9a-f-]{36})$/, view: () => import('./lesson.js'),
		auth: true, data: (m) => [`/api/v1/lessons/${m[1]}`] },
	{ re: /^\/quizzes\/([0-9a-f-]{36})$/, view: () => import('./quiz.js'),
		auth: true, data: (m) => [`/api/v1/quizzes/${m[1]}`] },
	{ re: /^\/learning$/, view: () => import('./learning.js'), auth: true,
		data: () => ['/api/v1/me/enrollments'] },
	{ re: /^\/certificates$/, view: () => import('./certificates.js'),
		auth: true, data: () => ['/api/v1/me/certificates'] },
	{ re: /^\/verify\/([^/]{1,64})$/, view: () => import('./verify.js'),
		data: (m) => [`/api/v1/verify/${m[1]}`] },
	{ re: /^\/signin$/, view: () => import('./account.js'),
		name: 'signin' },
	{ re: /^\/signup$/, view: () => import('./account.js'),
		name: 'signup' },
	{ re: /^\/forgot-password$/, view: () => import('./recovery.js'),
		name: 'forgot' },
	{ re: /^\/check-email$/, view: () => import('./recovery.js'),
		name: 'check' },
	{ re: /^\/reset-password$/, view: () => import('./recovery.js'),
		name: 'reset' },
	{ re: /^\/verify-email$/, view: () => import('./verify-email.js') },
];

// Pages a signed-out visitor's "Sign in" link does not come back to:
// the account forms themselves, and the mail links' pages, whose token
// is spent or gone from the address by then.
const noReturn = new Set(['/signin', '/signup', '/forgot-password',
	'/check-email', '/reset-password', '/verify-email']);

const main = document.getElementById('main');
let cleanup = null;
let generation = 0;
const finish = headingFocus();

export function navigate(url, opts = {}) {
	notice('');
	if (opts.replace)
		history.replaceState(null, '', url);
	else
		history.pushState(null, '', url);
	route();
}

async function route() {
	const gen = ++generation;
	if (cleanup) {
		const c = cleanup;
		cleanup = null;
		try {
			c();
		} catch (e) {
			console.warn(e);
		}
	}

	const path = location.pathname;
	let match = null;
	const r = routes.find((x) => (match = x.re.exec(path)) !== null);
	const root = h('div', { class: 'view' });
	main.replaceChildren(root);
	drawNav();
	const needsUser = r && r.auth && maybeSignedIn();
	prefetch(r && r.data && (!r.auth || needsUser) ? r.data(match) : []);

	if (!r) {
		setTitle(t('notfound.title'));
		add(root, h('h1', { tabindex: '-1' }, t('notfound.title')),
			h('p', null, t('notfound.body')),
			h('p', null, h('a', { href: '/' }, t('notfound.home'))));
		finish(root);
		return;
	}

	const slow = setTimeout(() => {
		if (!root.firstChild)
			add(root, h('p', { class: 'loading' }, t('common.loading')));
	}, 300);

	let mod;
	try {
		mod = await r.view();
	} catch {
		clearTimeout(slow);
		root.replaceChildren(h('h1', { tabindex: '-1' }, t('error.title')),
			h('p', null, t('error.network')));
		finish(root);
		return;
	}
	if (r.auth && !(await loadSession())) {
		clearTimeout(slow);
		if (gen !== generation)
			return;
		// A 401 forgot sg_csrf: signed out. With it still there, the
		// server could not be asked (offline, a 5xx): stay and retry.
		if (maybeSignedIn()) {
			cleanup = unreachable(root);
			finish(root);
			return;
		}
		navigate(`/signin?next=${encodeURIComponent(path + location.search)}`,
			{ replace: true });
		return;
	}

	const ctx = {
		match, name: r.name, query: new URLSearchParams(location.search),
		navigate, setTitle, announce, root,
		current: () => gen === generation,
	};
	try {
		cleanup = (await mod.render(root, ctx)) || null;
	} catch (e) {
		console.warn(e);
		root.replaceChildren(h('h1', { tabindex: '-1' }, t('error.title')),
			h('p', null, t('error.generic')));
	}
	clearTimeout(slow);
	root.querySelector(':scope > p.loading')?.remove();
	if (gen !== generation) {
		if (cleanup) {
			cleanup();
			cleanup = null;
		}
		return;
	}
	finish(root);
}

// A page that needs the account when the server cannot say who is signed
// in: the address stays, the page says so and tries again by itself once
// the session is known (loadSession asks again when the link is back), or
// at the learner's word.
function unreachable(root) {
	setTitle(t('offline.title'));
	const again = () => route();
	root.replaceChildren(h('h1', null, t('offline.title')),
		h('p', { class: 'notice' }, t('offline.body')),
		h('p', null, h('button', { type: 'button', class: 'secondary',
			onclick: again }, t('common.retry'))));
	events.addEventListener('session', again, { once: true });
	return () => events.removeEventListener('session', again);
}

// A quiet word outside the page, kept until the learner goes elsewhere.
function notice(text) {
	document.getElementById('site-notice').textContent = text;
}

// ---------------------------------------------------------------- header

function drawHeader() {
	const skip = document.querySelector('.skip');
	skip.textContent = t('common.skip');
	const user = currentUser();
	const nav = h('nav', { 'aria-label': t('nav.label'), class: 'nav' },
		h('ul', null,
			h('li', null, h('a', { href: '/courses', 'data-nav': 'catalog' },
				t('nav.courses'))),
			user ? h('li', null, h('a', { href: '/learning',
				'data-nav': 'learning' }, t('nav.learning'))) : null,
			user ? h('li', null, h('a', { href: '/certificates',
				'data-nav': 'certificates' }, t('nav.certificates'))) : null,
			// The staff area is its own shell: a full page load.
			user && user.role !== 'learner' ? h('li', null, h('a', {
				href: '/staff', id: 'staff-link' }, t('nav.staff'))) : null));

	// The page has switched; the account may not have. Say so, so the
	// next sign-in's switch back is no surprise.
	const langBox = languageBox(async () => {
		drawHeader();
		await route();
	}, () => notice(t('nav.languageNotSaved')));

	// A browser with sg_csrf but no user yet is one whose session the
	// server has not confirmed (still asking, or could not be asked): it
	// is not offered to sign in as if it had been signed out.
	let account = h('div', { class: 'account' });
	if (user)
		account = accountMenu(user);
	else if (!maybeSignedIn())
		add(account, h('a', { href: signinHref() }, t('nav.signin')),
			h('a', { href: '/signup', class: 'button' }, t('nav.signup')));

	document.getElementById('site-nav').replaceChildren(nav, langBox,
		account);
	drawNav();
	const footer = document.getElementById('site-footer');
	footer.replaceChildren(h('p', null, t('footer.text')));
}

function signinHref() {
	const here = location.pathname;
	if (noReturn.has(here))
		return '/signin';
	return `/signin?next=${encodeURIComponent(here + location.search)}`;
}

function drawNav() {
	const path = location.pathname;
	for (const a of document.querySelectorAll('#site-nav a[data-nav]')) {
		const on = (a.dataset.nav === 'catalog' &&
			(path === '/' || path === '/courses')) ||
			(a.dataset.nav === 'learning' && path === '/learning') ||
			(a.dataset.nav === 'certificates' && path === '/certificates');
		if (on)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
	const signin = document.querySelector('#site-nav .account a');
	if (signin)
		signin.setAttribute('href', signinHref());
}

// "Signed in as …": a disclosure button with the account's actions.
function accountMenu(user) {
	const list = h('ul', { id: 'account-menu', class: 'menu-list',
		hidden: true },
	h('li', null, h('a', { href: '/learning' }, t('nav.learning'))),
	h('li', null, h('a', { href: '/certificates' }, t('nav.certificates'))),
	h('li', null, h('button', { type: 'button', class: 'link',
		onclick: onSignOut }, t('nav.signout'))));
	const button = h('button', { type: 'button', class: 'menu-button',
		'aria-expanded': 'false', 'aria-controls': 'account-menu' },
	h('span', { class: 'who' }, t('nav.signedInAs')), ' ',
	h('strong', null, user.display_name));
	const box = h('div', { class: 'account menu' }, button, list);

	const setOpen = (open) => {
		button.setAttribute('aria-expanded', String(open));
		list.hidden = !open;
	};
	button.addEventListener('click', () => {
		setOpen(list.hidden);
		if (!list.hidden)
			list.querySelector('a, button').focus();
	});
	box.addEventListener('keydown', (e) => {
		if (e.key === 'Escape' && !list.hidden) {
			setOpen(false);
			button.focus();
		}
	});
	box.addEventListener('focusout', (e) => {
		if (!box.contains(e.relatedTarget))
			setOpen(false);
	});
	list.addEventListener('click', () => setOpen(false));
	return box;
}

async function onSignOut() {
	if (cleanup) {
		// The reader sends its last beat while the session still works:
		// wait for it (a few seconds at most; unsent beats stay queued
		// for the next sign-in).
		const c = cleanup;
		cleanup = null;
		await Promise.race([Promise.resolve(c()).catch(() => {}),
			new Promise((ok) => setTimeout(ok, 3000))]);
	}
	await signOut();
	announce(t('nav.signedOut'));
	navigate('/');
}

// ---------------------------------------------------------------- boot

// Every page path but the API's, the files' and the staff area's (a
// shell of its own) is drawn here.
function learnerPath(url) {
	return !url.pathname.startsWith('/api/') &&
	    !url.pathname.startsWith('/static/') &&
	    !/^\/staff(\/|$)/.test(url.pathname);
}

async function boot() {
	history.scrollRestoration = 'manual';
	// The server chose the page's language from the sg_lang cookie or
	// Accept-Language and preloaded its messages; the account may differ.
	await setLanguage(uiLanguage(document.documentElement.lang) ||
		uiLanguage(navigator.language) || 'en', false);
	drawHeader();
	skipLink(main);
	interceptLinks(learnerPath, navigate);
	window.addEventListener('popstate', route);
	events.addEventListener('session', () => drawHeader());

	const session = loadSession();
	const first = route();
	const user = await session;
	sendLeftBeats(user);
	sendKeptAnswers(user);
	events.addEventListener('session', (e) => {
		sendLeftBeats(e.detail.user);
		sendKeptAnswers(e.detail.user);
	});
	const wanted = user && uiLanguage(user.language);
	if (wanted && wanted !== currentLanguage()) {
		await first;
		await setLanguage(wanted, true);
		drawHeader();
		await route();
	}
	document.documentElement.dataset.ready = '1';
}

// Progress kept on this device by an earlier page (a reload, a closed
// tab, a lost link) leaves as soon as its learner is signed in. The queue
// module loads only when there is something to send.
function sendLeftBeats(user) {
	let left = null;
	try {
		left = localStorage.getItem('sg_beats_v1');
	} catch {
		return;
	}
	if (user && left)
		import('./beats.js').then((m) => m.flush(user.id), () => {});
}

// Quiz answers an earlier page kept (given offline, then the tab closed
// or the learner went elsewhere) go as soon as their learner is signed in,
// before an attempt's deadline can pass them by.
function sendKeptAnswers(user) {
	let kept = false;
	try {
		kept = Object.keys(localStorage).some((k) =>
			k.startsWith('sg_quiz_v1_'));
	} catch {
		return;
	}
	if (user && kept)
		import('./quiz-answers.js').then((m) => m.sendKept(user.id), () => {});
}

export function afterSignIn(user, next) {
	const wanted = uiLanguage(user.language);
	const go = () => {
		drawHeader();
		navigate(localPath(next) || '/learning', { replace: true });
	};
	if (wanted && wanted !== currentLanguage())
		setLanguage(wanted, true).then(go, go);
	else
		go();
}

boot();
