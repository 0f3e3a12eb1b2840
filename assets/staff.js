// The staff area: the shell of the instructor and admin pages (served as
// staff.html for every path under /staff). It asks who is signed in before
// anything else, and only for an instructor or an admin does it load the
// staff messages (assets/i18n/staff.LANG.json) and a staff view: a learner
// who opens a staff address reads "not allowed" from the learner catalog,
// and neither staff strings nor staff data reach the browser.
//
// A page of the area is one line in `routes` below: the server serves this
// shell for any /staff path, and scripts/gen-page-assets serves its module.

import {
	h, add, t, events, currentUser, loadSession, setLanguage, currentLanguage,
	uiLanguage, signOut, maybeSignedIn, useCatalog, announce, setTitle,
	interceptLinks, skipLink, languageBox, headingFocus,
} from './lib.js';

const COURSE = '([a-z0-9]+(?:-[a-z0-9]+)*)';

// Each route: a pattern, the view module, its name for the view, and the
// roles that may open it.
const STAFF = ['instructor', 'admin'];
const ADMIN = ['admin'];
const routes = [
	{ re: /^\/staff\/?$/, view: () => import('./staff-courses.js'),
		name: 'courses', roles: STAFF, nav: 'courses' },
	{ re: /^\/staff\/courses\/new$/, view: () => import('./staff-courses.js'),
		name: 'new', roles: STAFF, nav: 'courses' },
	{ re: new RegExp(`^/staff/courses/${COURSE}$`),
		view: () => import('./staff-courses.js'), name: 'course',
		roles: STAFF, nav: 'courses' },
	{ re: new RegExp(`^/staff/courses/${COURSE}/learners$`),
		view: () => import('./staff-learners.js'), roles: STAFF,
		nav: 'courses' },
	{ re: new RegExp(`^/staff/courses/${COURSE}/questions$`),
		view: () => import('./staff-bank.js'), roles: STAFF,
		nav: 'courses' },
	{ re: /^\/staff\/quizzes\/([0-9a-f-]{36})$/,
		view: () => import('./staff-quiz.js'), name: 'settings',
		roles: STAFF, nav: 'courses' },
	{ re: /^\/staff\/quizzes\/([0-9a-f-]{36})\/stats$/,
		view: () => import('./staff-quiz.js'), name: 'stats',
		roles: STAFF, nav: 'courses' },
	{ re: /^\/staff\/lessons\/([0-9a-f-]{36})$/,
		view: () => import('./staff-preview.js'), roles: STAFF,
		nav: 'courses' },
	{ re: /^\/staff\/users$/, view: () => import('./staff-admin.js'),
		name: 'users', roles: ADMIN, nav: 'users' },
	{ re: /^\/staff\/audit$/, view: () => import('./staff-admin.js'),
		name: 'audit', roles: ADMIN, nav: 'audit' },
	{ re: /^\/staff\/enrollments$/, view: () => import('./staff-admin.js'),
		name: 'enrollments', roles: ADMIN, nav: 'enrollments' },
	{ re: /^\/staff\/reports$/, view: () => import('./staff-reports.js'),
		roles: STAFF, nav: 'reports' },
	{ re: /^\/staff\/reports\/summary$/,
		view: () => import('./staff-summary.js'), roles: STAFF,
		nav: 'reports' },
	{ re: /^\/staff\/certificates$/,
		view: () => import('./staff-certificates.js'), roles: ADMIN,
		nav: 'certificates' },
];

const NAV = [
	{ nav: 'courses', href: '/staff', key: 'staff.nav.courses', roles: STAFF },
	{ nav: 'reports', href: '/staff/reports', key: 'staff.nav.reports',
		roles: STAFF },
	{ nav: 'users', href: '/staff/users', key: 'staff.nav.users',
		roles: ADMIN },
	{ nav: 'audit', href: '/staff/audit', key: 'staff.nav.audit',
		roles: ADMIN },
	{ nav: 'enrollments', href: '/staff/enrollments',
		key: 'staff.nav.enrollments', roles: ADMIN },
	{ nav: 'certificates', href: '/staff/certificates',
		key: 'staff.nav.certificates', roles: ADMIN },
];

const main = document.getElementById('main');
let generation = 0;
let staffLoaded = false;
const finish = headingFocus();

function isStaff(u) {
	return !!u && STAFF.includes(u.role);
}

export function navigate(url, opts = {}) {
	if (opts.replace)
		history.replaceState(null, '', url);
	else
		history.pushState(null, '', url);
	route();
}

// The staff messages, once this browser is known to be staff's.
async function staffMessages() {
	if (!staffLoaded) {
		await useCatalog('staff');
		staffLoaded = true;
	}
}

async function route() {
	const gen = ++generation;
	const path = location.pathname;
	const root = h('div', { class: 'view' });
	main.replaceChildren(root);

	const user = await loadSession();
	if (gen !== generation)
		return;
	if (!user) {
		if (maybeSignedIn()) {
			setTitle(t('offline.title'));
			add(root, h('h1', null, t('offline.title')),
				h('p', { class: 'notice' }, t('offline.body')),
				h('p', null, h('button', { type: 'button',
					class: 'secondary', onclick: () => route() },
				t('common.retry'))));
			finish(root);
			return;
		}
		location.replace(`/signin?next=${encodeURIComponent(path +
			location.search)}`);
		return;
	}

	let match = null;
	const r = routes.find((x) => (match = x.re.exec(path)) !== null);
	if (!isStaff(user) || (r && !r.roles.includes(user.role))) {
		drawHeader();
		notAllowed(root);
		return;
	}
	await staffMessages();
	drawHeader(r && r.nav);
	if (!r) {
		setTitle(t('notfound.title'));
		add(root, h('h1', null, t('notfound.title')),
			h('p', null, t('notfound.body')),
			h('p', null, h('a', { href: '/staff' }, t('staff.nav.courses'))));
		finish(root);
		return;
	}

	let mod;
	try {
		mod = await r.view();
	} catch {
		root.replaceChildren(h('h1', null, t('error.title')),
			h('p', null, t('error.network')));
		finish(root);
		return;
	}
	const ctx = {
		match, name: r.name, query: new URLSearchParams(location.search),
		navigate, setTitle, announce, root, user,
		current: () => gen === generation,
	};
	try {
		await mod.render(root, ctx);
	} catch (e) {
		console.warn(e);
		root.replaceChildren(h('h1', null, t('error.title')),
			h('p', null, t('error.generic')));
	}
	if (gen === generation)
		finish(root);
}

// A learner (or a page the role may not open): said plainly, with the
// way back, and nothing of the staff area loaded.
function notAllowed(root) {
	setTitle(t('staffArea.notAllowed'));
	add(root, h('h1', null, t('staffArea.notAllowed')),
		h('p', null, t('staffArea.notAllowedBody')),
		h('p', null, h('a', { href: '/' }, t('staffArea.learnerSite'))));
	finish(root);
}

// ---------------------------------------------------------------- header

function drawHeader(current) {
	document.querySelector('.skip').textContent = t('common.skip');
	const user = currentUser();
	const items = isStaff(user) && staffLoaded ?
		NAV.filter((n) => n.roles.includes(user.role)) : [];
	const nav = h('nav', { 'aria-label': t('staffArea.navLabel'),
		class: 'nav' },
	h('ul', null, items.map((n) => h('li', null, h('a', { href: n.href,
		'aria-current': n.nav === current ? 'page' : null }, t(n.key)))),
	h('li', null, h('a', { href: '/' }, t('staffArea.learnerSite')))));

	const langBox = languageBox(route, null);
	const account = h('div', { class: 'account' });
	if (user) {
		add(account, h('span', { class: 'who' }, t('nav.signedInAs'), ' ',
			h('strong', null, user.display_name)), ' ',
		h('button', { type: 'button', class: 'link', onclick: onSignOut },
			t('nav.signout')));
	}
	document.getElementById('site-nav').replaceChildren(nav, langBox,
		account);
	document.getElementById('site-footer').replaceChildren(
		h('p', null, t('footer.text')));
}

async function onSignOut() {
	await signOut();
	location.assign('/');
}

// ---------------------------------------------------------------- boot

// Only the staff area's own pages are drawn here; the rest of the site
// is the learner shell's.
function staffPath(url) {
	return /^\/staff(\/|$)/.test(url.pathname);
}

async function boot() {
	await setLanguage(uiLanguage(document.documentElement.lang) ||
		uiLanguage(navigator.language) || 'en', false);
	skipLink(main);
	interceptLinks(staffPath, navigate);
	window.addEventListener('popstate', route);
	events.addEventListener('session', (e) => {
		if (e.detail.changed && !e.detail.user)
			location.assign('/');
	});
	const user = await loadSession();
	const wanted = user && uiLanguage(user.language);
	if (wanted && wanted !== currentLanguage())
		await setLanguage(wanted, true);
	await route();
	document.documentElement.dataset.ready = '1';
}

boot();
