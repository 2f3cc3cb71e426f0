// expect-value: ["circle with area 3.1","square with area 4.0!",true]
class Shape {
  constructor(name) { this.name = name; }
  area() { return 0; }
  describe() { return `${this.name} with area ${this.area().toFixed(1)}`; }
  static create(kind, ...args) { return kind === 'circle' ? new Circle(...args) : new Square(...args); }
}
class Circle extends Shape {
  constructor(r) { super('circle'); this.r = r; }
  area() { return Math.PI * this.r ** 2; }
}
class Square extends Shape {
  constructor(s) { super('square'); this.s = s; }
  area() { return this.s * this.s; }
  describe() { return super.describe() + '!'; }
}
[Shape.create('circle', 1).describe(), Shape.create('square', 2).describe(), new Circle(2) instanceof Shape]
