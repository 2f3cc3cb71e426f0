# The PGO training step (worker/CMakeLists.txt, STOCKADE_WORKER_PGO): runs
# the instrumented training binary on the training scripts with a fresh raw
# profile directory, then puts the one profile it wrote where GCC will look
# for the profile of OBJECT (the shipped Duktape): DIR/<its absolute path,
# '/' turned into '#', .o replaced by .gcda>.
#   cmake -DTRAIN=exe -DRAW=dir -DDIR=dir -DOBJECT=file.o -DSTAMP=file -DSCRIPTS=a.js;b.js -P train.cmake
file(REMOVE_RECURSE ${RAW})
execute_process(COMMAND ${TRAIN} --runs 15 ${SCRIPTS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "PGO training run failed (${rc}): ${err}${out}")
endif()
file(GLOB_RECURSE profiles ${RAW}/*.gcda)
list(LENGTH profiles n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "PGO training: expected one profile under ${RAW}, found ${n}: ${profiles}")
endif()
string(REGEX REPLACE "\\.o$" ".gcda" name "${OBJECT}")
string(REPLACE "/" "#" name "${name}")
file(REMOVE ${DIR}/${name})
file(COPY_FILE ${profiles} ${DIR}/${name})
file(TOUCH ${STAMP})
