// Counted texts of <cignal-call>: the plural form of the language, chosen with Intl.PluralRules,
// and the number written as the language writes it (Intl.NumberFormat: Arabic digits in Arabic).
import type { PluralForms } from './labels.js';

/** `forms` for `count` in `lang`, `{count}` filled in; one string serves every count. */
export function countText(forms: string | PluralForms, count: number, lang: string): string {
  const form = typeof forms === 'string' ? forms : (forms[new Intl.PluralRules(lang).select(count) as keyof PluralForms] ?? forms.other);
  return form.replace('{count}', new Intl.NumberFormat(lang).format(count));
}
