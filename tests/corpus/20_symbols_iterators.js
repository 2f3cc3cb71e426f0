// expect-value: [[3,2,1],["visible"],"hidden","symbol","tag"]
class Countdown {
  constructor(n) { this.n = n; }
  *[Symbol.iterator]() { for (let i = this.n; i > 0; i--) yield i; }
}
const tag = Symbol('tag');
const obj = { [tag]: 'hidden', visible: 1 };
[[...new Countdown(3)], Object.keys(obj), obj[tag], typeof tag, tag.description]
