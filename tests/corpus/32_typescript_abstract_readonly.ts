// expect-value: ["tweety (2 legs) says tweet","rex (4 legs) says woof"]
abstract class Animal {
  constructor(public readonly name: string, protected legs: number = 4) {}
  abstract sound(): string;
  describe(): string { return `${this.name} (${this.legs} legs) says ${this.sound()}`; }
}
class Bird extends Animal {
  constructor(name: string) { super(name, 2); }
  sound(): string { return 'tweet'; }
}
class Dog extends Animal { sound() { return 'woof'; } }
const zoo: Animal[] = [new Bird('tweety'), new Dog('rex')];
zoo.map((a) => a.describe())
