// Bundled in place of `Intl.ListFormat` (scripts/build.mjs): a formatter that builds the real one at
// its first use. got's type checks (@sindresorhus/is) create two formatters when they are loaded,
// only to word an error message; building one pages in ICU's locale data, several MB of resident
// memory in every run that never shows such a message.
// Indexed, so that the build's define does not replace this one too.
const Real = Intl['ListFormat'];

export class __sluiceLazyListFormat {
  #args;
  #real;

  constructor(...args) {
    this.#args = args;
  }

  #get() {
    return (this.#real ??= new Real(...this.#args));
  }

  format(list) {
    return this.#get().format(list);
  }

  formatToParts(list) {
    return this.#get().formatToParts(list);
  }

  resolvedOptions() {
    return this.#get().resolvedOptions();
  }

  static supportedLocalesOf(...args) {
    return Real.supportedLocalesOf(...args);
  }
}
