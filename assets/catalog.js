// The catalog: published courses, a search box and two filters. The
// unfiltered first page is preloaded by the page's head (index.html), so on
// a slow link the courses arrive with the scripts, not after them.

import {
	h, add, t, getJSON, errorText, languageName, LANGUAGES,
	PROFESSIONS,
} from './lib.js';

const API = '/api/v1/courses';

// The API URL for a query; the bare one is the preloaded one.
function apiUrl(q, page) {
	const p = new URLSearchParams();
	for (const k of ['q', 'lang', 'audience']) {
		if (q.get(k))
			p.set(k, q.get(k));
	}
	if (page > 1)
		p.set('page', String(page));
	const s = p.toString();
	return s ? `${API}?${s}` : API;
}

export async function render(root, ctx) {
	const q = ctx.query;
	ctx.setTitle(t('catalog.title'));

	const search = h('input', { type: 'search', id: 'catalog-q', name: 'q',
		value: q.get('q') || '', autocomplete: 'off',
		enterkeyhint: 'search' });
	const langSel = h('select', { id: 'catalog-lang', name: 'lang' },
		h('option', { value: '' }, t('catalog.anyLanguage')),
		LANGUAGES.map((l) => h('option', { value: l,
			selected: q.get('lang') === l }, languageName(l))));
	const audSel = h('select', { id: 'catalog-audience', name: 'audience' },
		h('option', { value: '' }, t('catalog.anyAudience')),
		PROFESSIONS.map((p) => h('option', { value: p,
			selected: q.get('audience') === p }, t(`profession.${p}`))));

	const form = h('form', { role: 'search', class: 'filters',
		'aria-label': t('catalog.searchLabel') },
	h('div', { class: 'field grow' },
		h('label', { for: 'catalog-q' }, t('catalog.search')), search),
	h('div', { class: 'field' },
		h('label', { for: 'catalog-lang' }, t('catalog.language')), langSel),
	h('div', { class: 'field' },
		h('label', { for: 'catalog-audience' }, t('catalog.audience')),
		audSel),
	h('div', { class: 'field actions' },
		h('button', { type: 'submit' }, t('catalog.submit'))));

	const status = h('p', { class: 'status', role: 'status' });
	const list = h('ul', { class: 'cards', id: 'course-list' });
	const more = h('div', { class: 'more' });

	add(root, h('h1', null, t('catalog.title')),
		h('p', { class: 'lead' }, t('catalog.lead')),
		form, status, list, more);

	let page = 1;
	let current = new URLSearchParams(q);

	async function load(append) {
		more.replaceChildren();
		if (!append) {
			list.replaceChildren();
			list.setAttribute('aria-busy', 'true');
			status.textContent = t('common.loading');
		}
		let data;
		try {
			data = await getJSON(apiUrl(current, page));
		} catch (e) {
			list.removeAttribute('aria-busy');
			status.textContent = errorText(e);
			more.append(h('button', { type: 'button', class: 'secondary',
				onclick: () => load(append) }, t('common.retry')));
			return;
		}
		list.removeAttribute('aria-busy');
		for (const c of data.courses)
			list.append(card(c));
		const total = data.total;
		status.textContent = total === 0 ? t('catalog.none') :
			t('catalog.found', { n: total });
		if (total === 0 && (current.get('q') || current.get('lang') ||
		    current.get('audience'))) {
			more.append(h('a', { href: '/courses' }, t('catalog.clear')));
		}
		if (data.page * data.page_size < total) {
			more.append(h('button', { type: 'button', class: 'secondary',
				onclick: () => {
					page++;
					load(true);
				} }, t('catalog.more')));
		}
	}

	form.addEventListener('submit', (e) => {
		e.preventDefault();
		current = new URLSearchParams();
		const v = search.value.trim();
		if (v)
			current.set('q', v);
		if (langSel.value)
			current.set('lang', langSel.value);
		if (audSel.value)
			current.set('audience', audSel.value);
		const s = current.toString();
		// The address keeps the search, for Back and for sharing; focus
		// stays in the form and the count is announced.
		history.pushState(null, '', s ? `/courses?${s}` : '/courses');
		page = 1;
		load(false);
	});

	await load(false);
}

function card(c) {
	const href = `/courses/${encodeURIComponent(c.slug)}`;
	const audiences = (c.audiences || []).map((a) => t(`profession.${a}`));
	return h('li', { class: 'card' },
		h('article', { lang: c.language },
			h('h2', null, h('a', { href }, c.title)),
			h('p', { class: 'summary' }, c.summary),
			h('ul', { class: 'facts', lang: document.documentElement.lang },
				h('li', null, h('span', { class: 'k' }, t('course.language')),
					' ', languageName(c.language)),
				h('li', null, h('span', { class: 'k' }, t('course.hours')),
					' ', t('course.hoursValue', { n: Number(c.estimated_hours) })),
				audiences.length === PROFESSIONS.length ?
					h('li', null, h('span', { class: 'k' },
						t('course.audiences')), ' ', t('course.everyone')) :
					h('li', null, h('span', { class: 'k' },
						t('course.audiences')), ' ', audiences.join(', ')))));
}
