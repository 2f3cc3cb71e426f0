// expect: RUNTIME_ERROR
// why: eval a 100 KB-long expression (fine), then compile a function with
//   100000 parameters: the compiler must refuse cleanly (register limit),
//   within the run's limits
// timeout_ms: 3000
// expect-error-name: RangeError
// expect-error-message-contains: register limit
var sum = eval(new Array(50001).join('1+') + '1');
if (sum !== 50001) throw new Error('wrong sum ' + sum);
var params = [];
for (var i = 0; i < 100000; i++) params.push('p' + i);
new Function(params.join(','), 'return arguments.length');
