import { describe, expect, it } from '@jest/globals';
import { parseProcCmdline } from './proc-cmdline';
import { parseXenCommandline } from './xen-commandline';

describe(parseXenCommandline.name, () => {
  it('reads the Oracle VM command line from corpus A as plain options', () => {
    const c = parseXenCommandline('dom0_mem=9G,max:9G dom0_max_vcpus=4 no-bootscrub loglvl=all guest_loglvl=error/all com1=115200,8n1 conring_size=1m console=com1 console_to_ring crashkernel=448M@128M xsave=1');
    expect(c.options.conring_size).toBe('1m');
    expect(c.options.no_bootscrub).toBeNull();
    expect(c.iommu).toBeUndefined();
    expect(c.iommuKey).toBe('');
    expect([c.iommuDisabledByAdmin, c.hapDisabledByAdmin, c.intremapDisabledByAdmin]).toEqual([false, false, false]);
  });

  it.each([
    ['iommu=0', false],
    ['iommu=no', false],
    ['iommu=off', false],
    ['iommu=false', false],
    ['iommu=disable', false],
    ['no-iommu', false],
    ['iommu=1', true],
    ['iommu', true],
    ['iommu=on,no-intremap', true],
  ])('%s → enabled %s', (line, enabled) => {
    const c = parseXenCommandline(line);
    expect(c.iommu?.enabled).toBe(enabled);
    expect(c.iommuDisabledByAdmin).toBe(!enabled);
  });

  it('interprets every iommu= item, with no- negation and later items winning', () => {
    const c = parseXenCommandline('placeholder iommu=force,intpost,no-sharept,qinval=0,dom0-passthrough,dom0-strict,debug,verbose iommu=no-intremap,required=0');
    expect(c.iommu).toMatchObject({ force: false, intremap: false, intpost: true, sharept: false, qinval: false, dom0Passthrough: true, dom0Strict: true, debug: true, verbose: true });
    expect(c.intremapDisabledByAdmin).toBe(true);
    expect(c.iommuDisabledByAdmin).toBe(false);
    expect(c.tokens[0]).toEqual({ name: 'placeholder', value: null, raw: 'placeholder' });
  });

  it('reads dom0-iommu, hap options, overrides and the dom0 tail', () => {
    const c = parseXenCommandline('dom0-iommu=strict,map-reserved,no-map-inclusive hap=0 hap_1gb=false no-hap_2mb ivrs_ioapic[4]=00:14.0 ivrs_ioapic=0x5@0000:00:00.1 ivrs_hpet[0]=00:14.0 ivmd=0xa0000-0xaffff=00:14.0;0xb0000 rmrr=0xd1000=0:1f.2 intremap=0 -- quiet intel_iommu=on');
    expect(c.dom0Iommu).toMatchObject({ strict: true, mapReserved: true, mapInclusive: false });
    expect([c.hap, c.hap_1gb, c.hap_2mb]).toEqual([false, false, false]);
    expect(c.hapDisabledByAdmin).toBe(true);
    expect(c.ivrsIoapic.map((o) => [o.handle, o.bdf])).toEqual([['4', '00:14.0'], ['0x5', '0000:00:00.1']]);
    expect(c.ivrsHpet.map((o) => [o.handle, o.bdf])).toEqual([['0', '00:14.0']]);
    expect(c.ivmd).toEqual(['0xa0000-0xaffff=00:14.0', '0xb0000']);
    expect(c.rmrr).toEqual(['0xd1000=0:1f.2']);
    expect(c.intremap).toBe(false);
    expect(c.intremapDisabledByAdmin).toBe(true);
    expect(c.dom0Extra).toEqual(['quiet', 'intel_iommu=on']);
    expect(c.options.intel_iommu).toBeUndefined();
  });

  it('gives equal iommu keys to equivalent spellings and different keys otherwise', () => {
    const a = parseXenCommandline('dom0_mem=1G iommu=no-intremap,force ivrs_ioapic[4]=00:14.0 loglvl=all');
    const b = parseXenCommandline('loglvl=warning iommu=required,intremap=0 ivrs-ioapic[4]=00:14.0 dom0_mem=2G');
    const c = parseXenCommandline('dom0_mem=1G iommu=force ivrs_ioapic[4]=00:14.0');
    expect(a.iommuKey).toBe('iommu=force:true,intremap:false ivrs_ioapic[4]=00:14.0');
    expect(b.iommuKey).toBe(a.iommuKey);
    expect(c.iommuKey).not.toBe(a.iommuKey);
  });

  it('keeps quoted values and never throws on junk', () => {
    expect(parseXenCommandline('x="a b" "y=c d"').options).toEqual({ x: 'a b', y: 'c d' });
    expect(parseXenCommandline('= == iommu=,,, ==x').iommu).toEqual({ items: {} });
    expect(parseXenCommandline('').tokens).toEqual([]);
  });
});

describe(parseProcCmdline.name, () => {
  it('reads a dom0 kernel command line', () => {
    const c = parseProcCmdline('BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=1234 ro quiet xen-pciback.hide=(0000:03:00.0)(04:00.1) intel_iommu=on,igfx_off iommu=pt amd_iommu=off intremap=no_x2apic_optout -- single\n');
    expect(c.bootImage).toBe('/vmlinuz-6.1.0-18-amd64');
    expect(c.options.root).toBe('UUID=1234');
    expect(c.options.ro).toBeNull();
    expect(c.xenPcibackHide).toEqual(['0000:03:00.0', '04:00.1']);
    expect(c.intelIommu).toEqual(['on', 'igfx_off']);
    expect(c.iommu).toEqual(['pt']);
    expect(c.amdIommu).toEqual(['off']);
    expect(c.intremap).toEqual(['no_x2apic_optout']);
    expect(c.initArgs).toEqual(['single']);
  });
});
