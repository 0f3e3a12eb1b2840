// What the staff pages share: labelled fields with their errors, a form
// error, an inline confirmation (no window.confirm: a dialog takes the
// page from a screen reader and the keyboard), and API failures said in
// the catalog's words.

import { h, t, errorText, ApiError, PROFESSIONS } from './lib.js';

// A labelled control with its hint and error, tied for assistive tech.
export function field(id, label, input, opts = {}) {
	input.id = id;
	const hint = opts.hint ? h('p', { class: 'hint', id: `${id}-hint` },
		opts.hint) : null;
	const err = h('p', { class: 'field-error', id: `${id}-error`,
		hidden: true });
	if (hint)
		input.setAttribute('aria-describedby', `${id}-hint`);
	const wrap = h('div', { class: 'field' },
		h('label', { for: id }, label, opts.optional ?
			h('span', { class: 'optional' }, ` ${t('form.optional')}`) :
			null),
		hint, input, err);
	return { id, input, err, wrap, hint };
}

export function setError(f, text) {
	f.err.hidden = false;
	f.err.replaceChildren(h('strong', null, t('form.error')), ' ', text);
	f.input.setAttribute('aria-invalid', 'true');
	f.input.setAttribute('aria-describedby', [f.hint ? `${f.id}-hint` : null,
		`${f.id}-error`].filter(Boolean).join(' '));
}

export function formError() {
	return h('div', { class: 'form-error', role: 'alert', tabindex: '-1',
		hidden: true });
}

export function clearErrors(fields, box) {
	for (const f of Object.values(fields)) {
		f.err.hidden = true;
		f.err.replaceChildren();
		f.input.removeAttribute('aria-invalid');
		if (f.hint)
			f.input.setAttribute('aria-describedby', `${f.id}-hint`);
		else
			f.input.removeAttribute('aria-describedby');
	}
	if (box) {
		box.replaceChildren();
		box.hidden = true;
	}
}

export function showError(box, text) {
	box.hidden = false;
	box.replaceChildren(h('strong', null, t('form.error')), ' ', text);
	box.focus();
}

// An API failure next to the field it names, or for the whole form.
export function apiFailure(e, fields, box) {
	const f = e instanceof ApiError && e.field ? fields[e.field] : null;
	if (f) {
		setError(f, errorText(e, `staff.error.field.${e.field}`));
		f.input.focus();
	} else {
		showError(box, errorText(e));
	}
}

// A button that asks once more in place: "Delete" becomes "Really
// delete …? [Yes] [Cancel]"; focus goes to Cancel, the safe choice.
export function confirmButton(label, question, yesLabel, action) {
	const box = h('span', { class: 'confirm' });
	const ask = h('button', { type: 'button', class: 'secondary small' },
		label);
	const reset = () => {
		box.replaceChildren(ask);
	};
	ask.addEventListener('click', () => {
		const cancel = h('button', { type: 'button', class: 'secondary small',
			onclick: () => {
				reset();
				ask.focus();
			} }, t('staff.common.cancel'));
		const yes = h('button', { type: 'button', class: 'small danger',
			onclick: async () => {
				// A disabled button drops focus to the body: noted first.
				const had = box.contains(document.activeElement);
				yes.disabled = true;
				try {
					await action();
				} finally {
					yes.disabled = false;
				}
				// Asked and answered: back to the button, unless the
				// action drew the page anew and took focus elsewhere.
				const lost = document.activeElement === document.body ||
					box.contains(document.activeElement);
				reset();
				if (had && lost)
					ask.focus();
			} }, yesLabel);
		box.replaceChildren(h('span', { role: 'alert' },
			typeof question === 'function' ? question() : question), ' ',
			yes, ' ', cancel);
		cancel.focus();
	});
	reset();
	return box;
}

// Checkboxes for a course's audiences, in a fieldset with its legend.
export function audienceBoxes(id, chosen) {
	const boxes = PROFESSIONS.map((p) => {
		const input = h('input', { type: 'checkbox', id: `${id}-${p}`,
			value: p, checked: chosen.includes(p) });
		return h('div', { class: 'check' }, input,
			h('label', { for: `${id}-${p}` }, t(`profession.${p}`)));
	});
	const set = h('fieldset', { class: 'field checks' },
		h('legend', null, t('staff.course.audiences')), boxes);
	return {
		wrap: set,
		value: () => [...set.querySelectorAll('input:checked')]
			.map((i) => i.value),
	};
}

// The page number a list's address asks for (?page=), 1 when none.
export function pageOf(ctx) {
	const n = Number(ctx.query.get('page'));
	return Number.isInteger(n) && n > 0 ? n : 1;
}

// Previous and next, as links, so each page has its address; base holds
// the list's other query arguments.
export function pager(base, page, hasNext) {
	const link = (p, key) => {
		const q = new URLSearchParams(base);
		q.set('page', String(p));
		return h('a', { href: `?${q}`, class: 'button secondary' }, t(key));
	};
	return h('nav', { class: 'buttons pager', 'aria-label':
		t('staff.common.pages') },
	page > 1 ? link(page - 1, 'staff.common.previous') : null,
	h('span', { class: 'muted' }, t('staff.common.page', { n: page })),
	hasNext ? link(page + 1, 'staff.common.next') : null);
}
