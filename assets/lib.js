// What every page of Safeguard Learn shares: talking to the API, the
// session, the message catalogs, and building DOM without markup strings.
//
// Browser sessions live in HttpOnly cookies this code cannot read; the only
// cookie it touches is sg_csrf, which it echoes in X-CSRF-Token on every
// request that changes state. Nothing here stores a token anywhere.

export const LANGUAGES = ['en', 'es'];
export const PROFESSIONS = ['law_enforcement', 'education', 'health',
	'social_work', 'ngo', 'legal', 'other'];

// ---------------------------------------------------------------- DOM

// h('a', {href: '/x', class: 'c'}, 'text', child): children that are not
// nodes become text nodes, so course and user text can never become markup.
export function h(tag, props, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(props || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k === 'class')
			el.className = v;
		else if (k === 'text')
			el.textContent = v;
		else if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

// Appends children as h() does: null and false are skipped, not "null".
export function add(el, ...children) {
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else
			el.append(c instanceof Node ? c : String(c));
	}
}

// Only same-origin paths and http(s) addresses become links or sources.
export function safeUrl(u) {
	if (typeof u !== 'string')
		return null;
	if (u.startsWith('/') && !u.startsWith('//'))
		return u;
	try {
		const p = new URL(u);
		return p.protocol === 'https:' || p.protocol === 'http:' ? p.href : null;
	} catch {
		return null;
	}
}

// A path to return to after signing in: ours only, never another site.
export function localPath(p) {
	return typeof p === 'string' && /^\/(?![/\\])/.test(p) ? p : null;
}

// ---------------------------------------------------------------- i18n

let lang = document.documentElement.lang || 'en';
let locale = lang;
let messages = {};
const catalogs = new Map();
// Catalogs beyond the learner's one that this page has asked for (the
// staff area's 'staff'): loaded with it in every language switch.
const extras = [];

export function currentLanguage() {
	return lang;
}

// The tag dates and numbers are written in: the interface language with
// the most specific region the account or the browser gives for it (an
// en-GB learner reads "5 Mar 2025, 14:05", an en-US one "Mar 5, 2025,
// 2:05 PM"), else the bare language.
function pickLocale() {
	const tags = [user && user.language, ...(navigator.languages ||
		[navigator.language])];
	for (const tag of tags) {
		if (typeof tag !== 'string' || !tag.includes('-') ||
		    uiLanguage(tag) !== lang)
			continue;
		try {
			return Intl.getCanonicalLocales(tag)[0];
		} catch {
			// Not a tag Intl knows: try the next.
		}
	}
	return lang;
}

// The UI language a tag maps to ("es-419" -> "es"), or null.
export function uiLanguage(tag) {
	if (typeof tag !== 'string')
		return null;
	const primary = tag.toLowerCase().split('-')[0];
	return LANGUAGES.includes(primary) ? primary : null;
}

function fetchCatalog(l, name) {
	const file = name ? `${name}.${l}` : l;
	if (!catalogs.has(file)) {
		// The URL matches the preload in the page's head exactly.
		const p = fetch(`/static/i18n/${file}.json`).then((r) => {
			if (!r.ok)
				throw new ApiError(r.status, null);
			return r.json();
		});
		p.catch(() => catalogs.delete(file));
		catalogs.set(file, p);
	}
	return catalogs.get(file);
}

async function loadMessages(l) {
	const all = await Promise.all([fetchCatalog(l),
		...extras.map((name) => fetchCatalog(l, name))]);
	return Object.assign({}, ...all);
}

// Adds a catalog (assets/i18n/NAME.LANG.json) to the messages, now and at
// every language switch. Only the pages that need it ask for it.
export async function useCatalog(name) {
	if (!extras.includes(name))
		extras.push(name);
	messages = await loadMessages(lang);
}

// Loads and switches to a language; remembers the choice in a cookie the
// server reads to pick the page's lang and preload (a preference, not a
// secret).
export async function setLanguage(l, remember) {
	l = uiLanguage(l) || 'en';
	messages = await loadMessages(l);
	lang = l;
	locale = pickLocale();
	document.documentElement.lang = l;
	if (remember) {
		const secure = location.protocol === 'https:' ? '; Secure' : '';
		document.cookie = `sg_lang=${l}; Path=/; Max-Age=31536000; ` +
			`SameSite=Lax${secure}`;
	}
	return l;
}

// t('catalog.found', {n: 3}): a message with {name} slots; a message that
// is an object is chosen by plural category of vars.n.
export function t(key, vars) {
	let m = messages[key];
	if (m === undefined)
		return key;
	if (typeof m === 'object') {
		const cat = new Intl.PluralRules(locale).select(vars?.n ?? 0);
		m = m[cat] ?? m.other;
	}
	if (!vars)
		return m;
	return m.replace(/\{(\w+)\}/g, (all, name) => {
		const v = vars[name];
		if (v === undefined)
			return all;
		return typeof v === 'number' ? fmtNumber(v) : String(v);
	});
}

export function fmtNumber(n, opts) {
	return new Intl.NumberFormat(locale, opts).format(n);
}

export function fmtPercent(p) {
	return new Intl.NumberFormat(locale, { style: 'percent',
		maximumFractionDigits: 0 }).format((p || 0) / 100);
}

export function fmtDate(iso, withTime) {
	if (!iso)
		return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime()))
		return '';
	return new Intl.DateTimeFormat(locale, withTime ?
		{ dateStyle: 'medium', timeStyle: 'short' } :
		{ dateStyle: 'medium' }).format(d);
}

// A language's name in the UI language, or in itself (an autonym) when
// asked, as a link to a translation shows it.
export function languageName(code, own) {
	try {
		const name = new Intl.DisplayNames([own ? code : lang],
			{ type: 'language' }).of(code);
		return name.charAt(0).toLocaleUpperCase(own ? code : lang) +
			name.slice(1);
	} catch {
		return code;
	}
}

export function regionName(code) {
	try {
		return new Intl.DisplayNames([lang], { type: 'region' }).of(code);
	} catch {
		return code;
	}
}

// ---------------------------------------------------------------- API

// An API failure. The server's error.message is English for developers:
// the pages never show it, nor a status number. What a learner reads comes
// from the catalogs, by code (errorText), with a generic message for a
// code they do not know.
export class ApiError extends Error {
	constructor(status, body) {
		const e = body && body.error ? body.error : {};
		const code = e.code || (status === 0 ? 'network' : null);
		super(code || 'api');
		this.status = status;
		this.code = code;
		this.field = e.field || null;
		this.detail = e;
	}
}

// A failure that may pass by itself: no answer at all (status 0), the
// server in trouble, too many requests, or a request that took too long.
export function isTransient(status) {
	return status === 0 || status >= 500 || status === 429 || status === 408;
}

export function csrfToken() {
	const m = /(?:^|;\s*)sg_csrf=([^;]+)/.exec(document.cookie);
	return m ? decodeURIComponent(m[1]) : null;
}

// A browser that has signed in holds the readable sg_csrf cookie; without
// it there is no session to ask about, and no request that would fail.
export function maybeSignedIn() {
	return csrfToken() !== null;
}

// Forgets the session here: the server has ended it (a sign-out, or a
// new password, which ends every session of the account).
export function forgetSession() {
	document.cookie = 'sg_csrf=; Path=/; Max-Age=0; SameSite=Strict';
	setUser(null);
}

// One refresh at a time, across tabs too: a refresh token is good once,
// and a second use would end the session everywhere. A tab that waited for
// another's refresh just retries with the new cookie.
let refreshing = null;

// Resolves 'ok', 'denied' (the session is over) or 'failed' (the server
// could not be reached or had a problem: the session may well be fine).
function refreshSession(since) {
	if (refreshing)
		return refreshing;
	const run = async () => {
		let last = 0;
		try {
			last = Number(localStorage.getItem('sg_refreshed_at')) || 0;
		} catch { /* storage off: just refresh */ }
		if (last > since)
			return 'ok';
		const r = await fetch('/api/v1/auth/refresh', {
			method: 'POST', credentials: 'same-origin',
			headers: { 'X-CSRF-Token': csrfToken() || '' },
		});
		if (isTransient(r.status))
			return 'failed';
		if (!r.ok)
			return 'denied';
		try {
			localStorage.setItem('sg_refreshed_at', String(Date.now()));
		} catch { /* the refresh still happened */ }
		return 'ok';
	};
	refreshing = (navigator.locks ?
		navigator.locks.request('sg-refresh', run) : run())
		.catch(() => 'failed')
		.finally(() => { refreshing = null; });
	return refreshing;
}

// request('PUT', url, {body, headers, keepalive, blob}). Resolves with the
// parsed body (null for 204), or a Blob when blob is set; rejects with ApiError (status 0 when the network
// failed). A 401 gets one refresh and one retry; only a refresh the server
// refuses ends the session, not one that could not be made.
export async function request(method, url, opts = {}, retried = false) {
	const started = Date.now();
	const headers = { ...(opts.headers || {}) };
	const init = { method, headers, credentials: 'same-origin' };
	if (method !== 'GET' && method !== 'HEAD') {
		const token = csrfToken();
		if (token)
			headers['X-CSRF-Token'] = token;
	}
	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(opts.body);
	} else if (opts.raw !== undefined) {
		// A body of another type (a CSV file): headers name its type.
		init.body = opts.raw;
	}
	if (opts.keepalive)
		init.keepalive = true;

	let res;
	try {
		res = await fetch(url, init);
	} catch {
		throw new ApiError(0, null);
	}
	if (res.status === 401 && !retried && !opts.noRefresh && csrfToken()) {
		const refreshed = await refreshSession(started);
		if (refreshed === 'ok')
			return request(method, url, opts, true);
		if (refreshed === 'failed')
			throw new ApiError(0, null);
		forgetSession();
	}
	// A file (a PDF, a zip): its bytes, with the refresh above.
	if (opts.blob && res.ok)
		return res.blob();
	let data = null;
	if (res.status !== 204) {
		try {
			data = await res.json();
		} catch {
			data = null;
		}
	}
	if (!res.ok)
		throw new ApiError(res.status, data);
	return data;
}

// GETs in flight are shared, so a view and the router's prefetch (or a
// preload in the page's head) make one request, not two.
const inflight = new Map();
// What the router asked for ahead of a view: kept, answered or not, for
// the view's first getJSON of it, so a prefetch that settles before the
// view asks (a cached module, a slow session check) is not asked again.
// The next navigation drops what its view did not take.
const prefetched = new Map();

export function prefetch(urls) {
	prefetched.clear();
	for (const url of urls) {
		const p = getJSON(url);
		p.catch(() => {});
		prefetched.set(url, p);
	}
}

export function getJSON(url) {
	const early = prefetched.get(url);
	if (early) {
		prefetched.delete(url);
		return early;
	}
	if (!inflight.has(url)) {
		const p = request('GET', url);
		inflight.set(url, p);
		const done = () => inflight.delete(url);
		p.then(done, done);
	}
	return inflight.get(url);
}

export const api = {
	get: getJSON,
	post: (url, body, opts) => request('POST', url, { ...opts, body }),
	put: (url, body, opts) => request('PUT', url, { ...opts, body }),
	patch: (url, body, opts) => request('PATCH', url, { ...opts, body }),
	del: (url, opts) => request('DELETE', url, opts),
};

// ---------------------------------------------------------------- session

export const events = new EventTarget();
let user = null;
let sessionLoad = null;

export function currentUser() {
	return user;
}

export function setUser(u) {
	const changed = (u && u.id) !== (user && user.id);
	user = u;
	locale = pickLocale();
	sessionLoad = Promise.resolve(u);
	events.dispatchEvent(new CustomEvent('session', { detail: { user: u,
		changed } }));
}

// The signed-in user, asking the server once a page load; null when none.
// Only a 401 means signed out (and forgets sg_csrf); after a network error
// or a 5xx it is null too, but maybeSignedIn() stays true and the next call
// asks again.
export function loadSession() {
	if (sessionLoad)
		return sessionLoad;
	if (!maybeSignedIn()) {
		sessionLoad = Promise.resolve(null);
		return sessionLoad;
	}
	sessionLoad = getJSON('/api/v1/me').then((u) => {
		setUser(u);
		return u;
	}, (e) => {
		if (e.status === 401) {
			forgetSession();
			return null;
		}
		// Offline: the page still works for what needs no account, and
		// the server is asked again when the link is back (the session
		// event tells the pages).
		sessionLoad = null;
		window.addEventListener('online', () => loadSession(),
			{ once: true });
		return null;
	});
	return sessionLoad;
}

export async function signOut() {
	try {
		await request('POST', '/api/v1/auth/logout');
	} catch {
		// The server forgets the session either way on expiry.
	}
	forgetSession();
}

// ---------------------------------------------------------------- shell

// What the two routers share, the learner pages' (app.js) and the staff
// area's (staff.js): link clicks drawn in the page, the language select,
// the skip link, the live announcer, titles, and where focus goes after a
// page is drawn. Each router keeps what is its own: its routes, its
// header, who may open what. (Here rather than in a module of its own:
// one more module would be one more request before the first page.)

// Says text through the page's polite live region.
export function announce(text) {
	const el = document.getElementById('announcer');
	el.textContent = '';
	// A change after a tick is what screen readers notice.
	setTimeout(() => { el.textContent = text; }, 50);
}

export function setTitle(text) {
	document.title = text ? `${text} – Safeguard Learn` : 'Safeguard Learn';
}

// Same-origin link clicks that mine(url) accepts are drawn by the router
// (navigate) instead of loading a page; the rest, modified clicks, links
// with a target or a download, and anchors within this page, are the
// browser's.
export function interceptLinks(mine, navigate) {
	document.addEventListener('click', (e) => {
		if (e.defaultPrevented || e.button !== 0 || e.metaKey ||
		    e.ctrlKey || e.shiftKey || e.altKey)
			return;
		const a = e.target.closest('a[href]');
		if (!a || a.target || a.hasAttribute('download'))
			return;
		const url = new URL(a.href, location.href);
		if (url.origin !== location.origin || !mine(url))
			return;
		if (url.pathname === location.pathname &&
		    url.search === location.search && url.hash)
			return;
		e.preventDefault();
		navigate(url.pathname + url.search + url.hash);
	});
}

// The skip link moves focus, not just the view, in every browser.
export function skipLink(main) {
	const skip = document.querySelector('.skip');
	skip.addEventListener('click', (e) => {
		e.preventDefault();
		main.focus();
	});
}

// The header's language select. A choice switches the page at once
// (redraw draws it again in the new language) and, for a signed-in
// account, the account's language too; notSaved() is told when the page
// switched but the account could not follow.
export function languageBox(redraw, notSaved) {
	const select = h('select', { id: 'lang-select',
		onchange: () => switchLanguage(select.value, redraw, notSaved) },
	LANGUAGES.map((l) => h('option', { value: l, lang: l,
		selected: l === currentLanguage() }, languageName(l, true))));
	return h('div', { class: 'lang' },
		h('label', { for: 'lang-select' }, t('nav.language')), select);
}

async function switchLanguage(l, redraw, notSaved) {
	try {
		await setLanguage(l, true);
	} catch {
		document.getElementById('lang-select').value = currentLanguage();
		announce(t('error.network'));
		return;
	}
	const u = currentUser();
	if (u) {
		api.patch('/api/v1/me', { language: l }).then(() => {
			u.language = l;
		}, () => notSaved && notSaved());
	}
	await redraw();
	document.getElementById('lang-select').focus();
}

// After a page is drawn: the keyboard and screen reader start at its
// heading, except on the first load, where the browser's start is right.
// One a router: it remembers whether it drew the first page.
export function headingFocus() {
	let first = true;
	return (root) => {
		const h1 = root.querySelector('h1');
		if (h1 && !h1.hasAttribute('tabindex'))
			h1.setAttribute('tabindex', '-1');
		if (!first && h1) {
			h1.focus();
			announce(h1.textContent);
		}
		first = false;
	};
}

// ---------------------------------------------------------------- misc

// Tokens mail links carry in the address's fragment (#token=...), by path.
const linkTokens = new Map();

// The token of the mail link this page was opened with. The fragment never
// reaches the server's logs; the page takes it out of the address bar at
// once (history.replaceState), so it stays out of the history, bookmarks
// and screenshots, and keeps it here for a redraw (a language switch).
export function linkToken() {
	const m = /^#(?:.*&)?token=([^&]*)/.exec(location.hash);
	if (m) {
		let token = '';
		try {
			token = decodeURIComponent(m[1]);
		} catch {
			token = '';
		}
		linkTokens.set(location.pathname, token);
		history.replaceState(null, '', location.pathname + location.search);
	}
	const token = linkTokens.get(location.pathname);
	return token && /^[\w.~-]{1,512}$/.test(token) ? token : null;
}

export function uuid() {
	if (crypto.randomUUID)
		return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
	return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-` +
		`${x.slice(16, 20)}-${x.slice(20)}`;
}

// A message for an API failure, in the UI language: by its code, else by
// the fallback key when the catalog has it, else in general.
// The button that loads the view's address again, after a failed load.
export function retryButton(ctx) {
	return h('button', { type: 'button', class: 'secondary',
		onclick: () => ctx.navigate(location.pathname + location.search,
			{ replace: true }) }, t('common.retry'));
}

export function errorText(e, fallback) {
	if (!(e instanceof ApiError))
		return t('error.generic');
	if (e.status === 0)
		return t('error.network');
	for (const key of [`error.${e.code}`, fallback]) {
		if (key && t(key) !== key)
			return t(key);
	}
	if (e.status >= 500)
		return t('error.server');
	return t('error.generic');
}

// A progress bar that says its value in words too, never by colour alone.
export function progressBar(percent, label) {
	const p = Math.max(0, Math.min(100, Math.round(percent || 0)));
	const text = t('progress.percent', { p: fmtPercent(p) });
	return h('div', { class: 'progress' },
		h('progress', { max: '100', value: String(p), 'aria-label': label ||
			t('progress.label') }, text),
		h('span', { class: 'progress-text' }, text));
}

// Hands a Blob to the browser as a file download named name. The object
// URL lives a minute, long enough for any browser to have started saving.
export function saveBlob(blob, name) {
	const href = URL.createObjectURL(blob);
	const a = h('a', { href, download: name, hidden: true });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(href), 60000);
}

// Puts text on the clipboard: the Clipboard API where the page may use it,
// else a selected, off-screen text area and the copy command. Resolves
// whether it worked; the caller says so in words.
export async function copyText(text) {
	try {
		if (navigator.clipboard && window.isSecureContext) {
			await navigator.clipboard.writeText(text);
			return true;
		}
	} catch {
		// Refused (no permission, no focus): try the old way.
	}
	const area = h('textarea', { readonly: true, class: 'sr-only',
		'aria-hidden': 'true', tabindex: '-1' });
	area.value = text;
	const had = document.activeElement;
	document.body.append(area);
	area.select();
	let ok = false;
	try {
		ok = document.execCommand('copy');
	} catch {
		ok = false;
	}
	area.remove();
	if (had && had.focus)
		had.focus();
	return ok;
}
