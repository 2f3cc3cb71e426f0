// expect-value: [212,32,1]
class Temperature {
  static #count = 0;
  #celsius = 0;
  constructor(c) { this.#celsius = c; Temperature.#count++; }
  get fahrenheit() { return this.#celsius * 9 / 5 + 32; }
  set fahrenheit(f) { this.#celsius = (f - 32) * 5 / 9; }
  static get count() { return Temperature.#count; }
}
const t = new Temperature(100);
const before = t.fahrenheit;
t.fahrenheit = 32;
[before, t.fahrenheit, Temperature.count]
