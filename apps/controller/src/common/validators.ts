import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';
import { isCidr, isIp, isIpv4, isIpv4Cidr, isValidDnsServer, isValidEndpoint, isValidHostname, isValidInterfaceName, isValidWireguardKey } from '@wgfleet/domain';

// class-validator decorators over libs/domain's pure checks, so the rules live in one place.
function rule(name: string, check: (value: unknown) => boolean, message: string) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: String(propertyName),
        options: { message, ...options },
        validator: { validate: check },
      });
}

/**
 * Like @IsOptional(), but only an absent field skips validation: `null` is checked like any other
 * value (and fails the type check), for fields that cannot be cleared. @IsOptional() would let
 * null through to services that read it as "given".
 */
export const IsOmittable = (options?: ValidationOptions): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined, options);

const str = (check: (s: string) => boolean) => (v: unknown) => typeof v === 'string' && check(v);

export const IsWireguardKey = rule('isWireguardKey', str(isValidWireguardKey), '$property must be a WireGuard key (base64 of 32 bytes)');
export const IsIpv4Address = rule('isIpv4Address', str(isIpv4), '$property must be an IPv4 address');
export const IsIpv4Cidr = rule('isIpv4Cidr', str(isIpv4Cidr), '$property must be an IPv4 address with prefix, e.g. 10.8.0.1/24');
export const IsCidr = rule('isCidr', str(isCidr), '$property must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32');
export const IsEndpoint = rule('isEndpoint', str(isValidEndpoint), '$property must be host or host:port');
export const IsDnsServer = rule('isDnsServer', str(isValidDnsServer), '$property must be an IP address');
export const IsInterfaceName = rule('isInterfaceName', str(isValidInterfaceName), '$property must be 1-15 characters of letters, digits, _ . = + -');
export const IsHostAddress = rule(
  'isHostAddress',
  str((s) => isIp(s) || isValidHostname(s)),
  '$property must be an IP address or a hostname',
);

const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

/** Up to 32 string labels, keys like "region" or "example.com/tier", values up to 255 chars. */
export const IsLabels = rule(
  'isLabels',
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length <= 32 &&
    Object.entries(v).every(([k, val]) => LABEL_KEY.test(k) && typeof val === 'string' && val.length <= 255),
  '$property must map up to 32 keys (letters, digits, . _ / -) to strings of at most 255 characters',
);
