/** Issue #16: commands registered up front, each defined by its module only when named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Help, type Command } from 'commander';
import { COMMANDS, createProgram, defineCommandsIn } from '../../src/cli/program.js';

const commandNamed = (program: Command, name: string) => program.commands.find((command) => command.name() === name)!;

test('the top-level help is the same text before and after every command is defined, each listed as its definition makes it', async () => {
  const program = createProgram();
  const lazy = program.helpInformation();
  await defineCommandsIn(
    program,
    COMMANDS.map(({ name }) => name),
  );
  assert.equal(program.helpInformation(), lazy);
  for (const { name, usage, description } of COMMANDS) {
    const command = commandNamed(program, name);
    assert.equal(new Help().subcommandTerm(command), `${name} ${usage}`.trimEnd(), name);
    assert.equal(command.description(), description, name);
  }
});

test('only the commands named among the arguments are defined', async () => {
  const program = createProgram();
  await defineCommandsIn(program, ['help', 'train', '--steps', '5']);
  const defined = (command: Command) => command.options.length > 0 || command.registeredArguments.length > 0 || command.commands.length > 0;
  assert.deepEqual(
    program.commands.filter(defined).map((command) => command.name()),
    ['train'],
  );
});

test('sweep is defined with its subcommands when named', async () => {
  const program = createProgram();
  await defineCommandsIn(program, ['sweep', 'worker', '--until-empty']);
  assert.deepEqual(
    commandNamed(program, 'sweep').commands.map((command) => command.name()),
    ['plan', 'run', 'enqueue', 'worker', 'status', 'report'],
  );
});
