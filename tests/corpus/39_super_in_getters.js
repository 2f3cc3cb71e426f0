// expect-value: [["blob area=0.00","rect 2x3.5 area=7.00","square 3x3 (square) area=9.00","square 2x2 (square) area=9.00"],"SQUARE 3X3 (SQUARE) AREA=9.00","square 2x2 (square)"]
// Shapes whose getters build on the parent's getters and methods through
// super: the overriding getter reads super.prop and calls super.method().
class Shape {
  constructor(name) { this.name = name; }
  get area() { return 0; }
  get label() { return `${this.name}`; }
  toString() { return `${this.label} area=${this.area.toFixed(2)}`; }
}

class Rect extends Shape {
  constructor(w, h) { super('rect'); this.w = w; this.h = h; }
  get area() { return this.w * this.h; }
  get label() { return `${super.label} ${this.w}x${this.h}`; }
}

class Square extends Rect {
  constructor(side) { super(side, side); this.name = 'square'; }
  get label() { return `${super.label} (square)`; }
  get summary() { return super.toString().toUpperCase(); }
}

class Framed extends Square {
  constructor(side, border) { super(side); this.border = border; }
  get area() { return super.area + 4 * this.border * (this.w + this.border); }
}

const shapes = [new Shape('blob'), new Rect(2, 3.5), new Square(3), new Framed(2, 0.5)];
[shapes.map(String), shapes[2].summary, shapes[3].label]
