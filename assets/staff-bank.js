// A course's question bank: its questions by category, the import of a
// GIFT or Moodle XML file (all or nothing: a refused file lists every
// problem next to the form, by line or question name, in the catalog's
// words; questions of types the model has not are listed as skipped), and
// deletion, asked once more. Question text is inserted as text.

import {
	h, add, t, api, getJSON, request, errorText, fmtNumber, ApiError,
} from './lib.js';
import {
	field, formError, clearErrors, showError, apiFailure, confirmButton,
} from './staff-ui.js';

const TYPES = ['single_choice', 'multiple_choice', 'true_false',
	'short_answer', 'numeric', 'ordering', 'matching'];

export async function render(root, ctx) {
	const slug = ctx.match[1];
	const here = `/staff/courses/${encodeURIComponent(slug)}`;
	const url = `/api/v1/instructor/courses/${slug}/questions`;
	let course;
	let bank;
	try {
		[course, bank] = await Promise.all([
			getJSON(`/api/v1/instructor/courses/${slug}/preview`),
			getJSON(url)]);
	} catch (e) {
		ctx.setTitle(t('error.title'));
		add(root, h('h1', null, t('error.title')),
			h('p', { role: 'alert' }, errorText(e, 'staff.error.course')));
		return;
	}
	if (!ctx.current())
		return;
	ctx.setTitle(t('staff.bank.title'));
	const said = h('p', { role: 'status', class: 'muted', id: 'bank-said' });
	const list = h('div', { id: 'bank' });
	const redraw = async () => {
		drawBank(list, await api.get(url), url, course.language, said,
			redraw);
	};
	add(root, h('p', { class: 'crumbs' },
		h('a', { href: '/staff' }, t('staff.courses.title')),
		h('span', { 'aria-hidden': 'true' }, ' › '),
		h('a', { href: here, lang: course.language }, course.title)),
	h('h1', null, t('staff.bank.title')),
	h('p', { class: 'lead' }, t('staff.bank.lead')),
	said,
	importSection(url, said, redraw),
	h('section', { 'aria-labelledby': 'bank-h' },
		h('h2', { id: 'bank-h', tabindex: '-1' }, t('staff.bank.questions')),
		list));
	drawBank(list, bank, url, course.language, said, redraw);
}

function typeName(type) {
	return TYPES.includes(type) ? t(`staff.qtype.${type}`) : type;
}

function categoryName(name) {
	return name === '' ? t('staff.bank.noCategory') : name;
}

// ---------------------------------------------------------------- the bank

// The questions, a section a category, each with its deletion.
function drawBank(box, bank, url, lang, said, redraw) {
	if (bank.questions.length === 0) {
		box.replaceChildren(h('p', null, t('staff.bank.none')));
		return;
	}
	const by = new Map();
	for (const q of bank.questions) {
		if (!by.has(q.category))
			by.set(q.category, []);
		by.get(q.category).push(q);
	}
	box.replaceChildren(h('p', null, t('staff.bank.count',
		{ n: bank.questions.length, categories: bank.categories.length })),
	...[...by.entries()].map(([cat, qs], i) => h('section', {
		class: 'bank-category', 'aria-labelledby': `cat-${i}` },
	h('h3', { id: `cat-${i}` }, categoryName(cat), ' ',
		h('span', { class: 'muted' }, `(${fmtNumber(qs.length)})`)),
	h('ul', { class: 'cards questions' }, qs.map((q) =>
		questionCard(q, url, lang, said, redraw))))));
}

function questionCard(q, url, lang, said, redraw) {
	const name = q.title || q.question.prompt || q.key;
	return h('li', { class: 'card', 'data-key': q.key },
		h('h4', { lang }, name),
		q.title && q.question.prompt ? h('p', { lang, class: 'prompt' },
			q.question.prompt) : null,
		h('p', { class: 'muted' }, typeName(q.type), ' · ',
			t('staff.bank.key', { key: q.key })),
		h('div', { class: 'buttons' }, confirmButton(
			t('staff.bank.delete'),
			t('staff.bank.deleteAsk', { title: name }),
			t('staff.bank.deleteYes'), async () => {
				try {
					await api.del(`${url}/${encodeURIComponent(q.key)}`);
					await redraw();
					said.textContent = t('staff.bank.deleted', { title: name });
					document.getElementById('bank-h').focus();
				} catch (e) {
					said.textContent = errorText(e);
				}
			})));
}

// ---------------------------------------------------------------- import

function importSection(url, said, redraw) {
	const input = h('input', { type: 'file',
		accept: '.txt,.gift,.xml,text/plain,application/xml,text/xml' });
	const f = field('bank-file', t('staff.bank.file'), input,
		{ hint: t('staff.bank.fileHint') });
	const format = field('bank-format', t('staff.bank.format'),
		h('select', null,
			h('option', { value: '' }, t('staff.bank.formatGuess')),
			h('option', { value: 'gift' }, 'GIFT'),
			h('option', { value: 'moodle_xml' }, 'Moodle XML')));
	const err = formError();
	const results = h('div', { id: 'import-results' });
	const submit = h('button', { type: 'submit' }, t('staff.bank.send'));
	const form = h('form', { novalidate: true, 'aria-labelledby': 'imp-h' },
		err, f.wrap, format.wrap, h('p', null, submit));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors({ f, format }, err);
		results.replaceChildren();
		const file = input.files[0];
		if (!file) {
			apiFailure(new ApiError(422, { error: { code: 'required',
				field: 'f' } }), { f }, err);
			return;
		}
		const fmt = format.input.value ||
			(/\.xml$/i.test(file.name) ? 'moodle_xml' : '');
		submit.disabled = true;
		try {
			const r = await request('POST', fmt ?
				`${url}/import?format=${fmt}` : `${url}/import`, {
				raw: file, headers: { 'Content-Type': fmt === 'moodle_xml' ?
					'application/xml' : 'text/plain' } });
			await redraw();
			showImported(results, r);
			said.textContent = t('staff.bank.imported', { n: r.imported });
			form.reset();
		} catch (x) {
			if (x.code === 'invalid_questions' &&
			    Array.isArray(x.detail.problems))
				showProblems(results, x.detail);
			else
				showError(err, errorText(x, 'staff.error.bankImport'));
		} finally {
			submit.disabled = false;
		}
	});
	return h('section', { 'aria-labelledby': 'imp-h' },
		h('h2', { id: 'imp-h' }, t('staff.bank.importTitle')), form, results);
}

// Where in the file: a GIFT line, or an XML question's name.
function place(p) {
	const where = [];
	if (p.line)
		where.push(t('staff.upload.line', { n: p.line }));
	if (p.question)
		where.push(t('staff.bank.question', { name: p.question }));
	if (p.path)
		where.push(p.path);
	return where.join(' · ');
}

function problemText(code) {
	const known = t(`staff.qproblem.${code}`);
	return known === `staff.qproblem.${code}` ?
		t('staff.problem.other', { code }) : known;
}

function skippedText(s) {
	const key = `staff.skip.${s.type}`;
	return t(key) === key ? t('staff.skip.other', { type: s.type }) : t(key);
}

function skippedList(list) {
	if (!list || list.length === 0)
		return [];
	return [h('h4', { id: 'skipped-h' }, t('staff.bank.skipped',
		{ n: list.length })),
	h('ul', { class: 'problems skipped', 'aria-labelledby': 'skipped-h' },
		list.map((s) => h('li', null, h('strong', { class: 'where' },
			place(s)), ': ', skippedText(s))))];
}

// A refused file: every problem, each with its place, and what would
// have been skipped; nothing was imported.
function showProblems(box, e) {
	box.replaceChildren(
		h('h3', { id: 'problems-h', tabindex: '-1' },
			t('staff.bank.problems', { n: e.problems.length })),
		h('ul', { class: 'problems', 'aria-labelledby': 'problems-h',
			id: 'bank-problems' },
		e.problems.map((p) => h('li', { 'data-code': p.code },
			h('strong', { class: 'where' }, place(p) ||
				t('staff.bank.wholeFile')), ': ', problemText(p.code)))),
		...skippedList(e.skipped));
	box.querySelector('h3').focus();
}

function showImported(box, r) {
	box.replaceChildren(
		h('h3', { id: 'imported-h', tabindex: '-1' },
			t('staff.bank.imported', { n: r.imported })),
		r.questions.length ? h('ul', { 'aria-labelledby': 'imported-h',
			id: 'bank-imported' }, r.questions.map((q) => h('li', null,
			q.title || q.key, ' · ', typeName(q.type), ' · ',
			categoryName(q.category)))) : null,
		...skippedList(r.skipped));
	box.querySelector('h3').focus();
}
