import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, renderEnvExample } from '../src/config/app-config';

const root = join(__dirname, '../../..');

describe('workspace', () => {
  it('.env.example is generated from the config definition', () => {
    expect(readFileSync(join(root, '.env.example'), 'utf8')).toBe(renderEnvExample());
  });

  it('docker-compose.yml runs postgres, redis and the controller with known variables', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string; build?: { dockerfile: string }; environment?: Record<string, string>; depends_on?: Record<string, unknown> }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['controller', 'postgres', 'redis']);
    const controller = compose.services.controller;
    expect(controller.build?.dockerfile).toBe('deploy/controller.Dockerfile');
    expect(Object.keys(controller.depends_on ?? {}).sort()).toEqual(['postgres', 'redis']);
    for (const name of Object.keys(controller.environment ?? {})) expect(Object.keys(CONFIG_VARIABLES)).toContain(name);
    expect(controller.environment).toHaveProperty('WGFLEET_MASTER_KEY');
    readFileSync(join(root, 'deploy/controller.Dockerfile'), 'utf8');
  });

  // The boundaries are only worth something if the linter really refuses a violation.
  it.each([
    ['libs/domain importing a framework', 'libs/domain/src/probe.ts', "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n"],
    ['a lib importing an app', 'libs/domain/src/probe.ts', "import { x } from '../../../apps/controller/src/main';\nexport const y = x;\n"],
    ['the agent importing controller code', 'apps/agent/src/probe.ts', "import { x } from '../../controller/src/main';\nexport const y = x;\n"],
  ])('ESLint refuses %s', (_label, file, source) => {
    // The real CLI, as CI runs it (jest's VM cannot load the ESM config); exit code 1 = findings.
    let output = '';
    try {
      output = execFileSync(join(root, 'node_modules/.bin/eslint'), ['--format', 'json', '--stdin', '--stdin-filename', join(root, file)], { cwd: root, input: source, encoding: 'utf8' });
    } catch (e) {
      output = (e as { stdout: string }).stdout;
    }
    const [result] = JSON.parse(output) as Array<{ messages: Array<{ ruleId: string | null }> }>;
    expect((result?.messages ?? []).map((m) => m.ruleId)).toContain('@nx/enforce-module-boundaries');
  }, 60_000);
});
