/**
 * `boot`: a desktop coming up under systemd — the cover letter's "personal desktop with 8-cores
 * CPU and 16 GB of RAM running Fedora 31, measured just after loading of the system", and the
 * mount's default workload. Also exports the host boot that the server workloads start from
 * (Bharata B Rao's POWER8 host was a booted distribution too; his "Slab right after boot" row).
 *
 * What is modelled (timeline in virtual seconds after the kernel handed over to PID 1):
 *  0–3 s   early oneshot units (tmpfiles, udev trigger, fsck, remount, sysctl, .mount units...):
 *          each gets a cgroup, runs, exits; systemd removes the cgroup (a dying cgroup from then
 *          on, for as long as what it allocated — cached dentries of the files it touched — lives).
 *          systemd-udevd handles the coldplug: its workers walk sysfs and run helper programs.
 *  1–8 s   the system daemons start, each in system.slice/<name>.service: exec and libraries,
 *          configuration, threads, sockets to journald and D-Bus, a few helper processes.
 *  6–10 s  the display manager's greeter session (user-42.slice) — GNOME's login screen.
 *  20–30 s the user logs in: user-1000.slice, session-2.scope and user@1000.service with
 *          GNOME 3.34's one-unit-per-service layout (gnome-shell, ~15 settings daemons,
 *          gvfs, evolution data server, tracker, portals...), plus the desktop search indexing
 *          the home directory.
 *  to 90 s everything settles: daemons wake now and then (on whichever CPU the scheduler
 *          picks) and read a /proc or /sys file on some wakeups. The run ends "just after
 *          loading of the system": the daemons stay up, their cgroups stay, the dying ones too.
 *
 * Where the parameters come from (Fedora 31 Workstation, GNOME 3.34; round numbers, order of
 * magnitude from `systemctl list-units`, `ldd`, `ls /proc/PID/task | wc -l`, `ls -l
 * /proc/PID/fd`, `find`), not from any slab figure:
 *  - ~40 running system services and ~35 oneshot/mount units at boot (systemd-analyze blame on
 *    a Workstation install lists 60–80 units with run time); ~25 processes in the greeter
 *    session; ~40 user units (GNOME 3.34 moved gsd-* into their own units).
 *  - libraries per program: ldd of small daemons 10–20, GLib/GTK daemons 40–60, gnome-shell ~150.
 *  - threads: GLib daemons 2–4 (gmain, gdbus, pool), polkitd ~6 (JS engine), gnome-shell ~20.
 *  - file trees: ~2,500 shared objects in /usr/lib64 (pages actually faulted in ~150 KB each),
 *    /usr/share ~150,000 files (icons, fonts, locale, python, schemas; ~8 KB), /etc ~2,500,
 *    sysfs walked by coldplug: ~15,000 entries on a laptop/desktop, plus ~200 per CPU.
 *  - gnome-shell at startup reads ~4,000 files (icon theme, fonts, CSS, JS, schemas); tracker
 *    indexes ~10,000 files of a home directory at first login; firewalld (python) imports ~1,500
 *    modules; udevd runs ~150 helper programs at coldplug (*_id, modprobe, alsactl, lvm scans).
 *  - scheduler: while booting the machine is busy and wakeups often land on another CPU
 *    (migrate probability 0.5); once idle, wakeups mostly return to the previous CPU or move
 *    to the waker's (0.3).
 * The workload cgroup for a comparison is '/' (all of userspace).
 */
import type { WorkloadContext, WorkloadSpec } from './types.js';
import { scaled } from './types.js';
import type { Actor } from './sim.js';
import { MS, SEC } from './sim.js';
import { FileSet } from './files.js';
import { SystemdHost, daemon, oneshot } from './systemd.js';
import type { DaemonSpec, HostFiles, ProgramSpec } from './systemd.js';

/** Wakeups land on another CPU this often while the machine boots, and once it idles. */
export const MIGRATE_BUSY = 0.5;
export const MIGRATE_IDLE = 0.3;

/** The file trees of a distribution install (see the header for the sizes). */
export function distroFiles(ctx: WorkloadContext): HostFiles {
  const cpus = ctx.k.config.nrCpus;
  return {
    libs: new FileSet({ name: '/usr/lib64', nrFiles: 2500, meanBytes: 150 * 1024, skew: 2.5 }),
    share: new FileSet({ name: '/usr/share', nrFiles: 150_000, meanBytes: 8 * 1024, skew: 2 }),
    etc: new FileSet({ name: '/etc', nrFiles: 2500, meanBytes: 2 * 1024, skew: 1.5 }),
    sys: new FileSet({ name: '/sys', nrFiles: 15_000 + 200 * cpus, meanBytes: 0, skew: 1, pseudo: true }),
    home: new FileSet({ name: '/home/user', nrFiles: 20_000, meanBytes: 40 * 1024, skew: 1 }),
  };
}

/** A compact row of the unit tables: [unit, comm, libs, dataFiles, dataSet, threads, unix sockets, open files, helpers, wake ms, proc-read probability, anon KiB]. */
export type Row = [string, string, number, number, keyof HostFiles, number, number, number, number, number, number, number];

export function daemonSpec(r: Row, scale: number): DaemonSpec {
  const [, comm, libs, dataFiles, dataSet, threads, unixSockets, openFiles, helpers, wakeMs, procReadProb, anonKb] = r;
  return {
    comm,
    libs,
    dataFiles: Math.max(0, Math.round(dataFiles * scale)),
    dataSet,
    negLookups: 10 + Math.round(libs / 2),
    anonKb,
    threads,
    unixSockets,
    openFiles,
    helpers,
    wakeMs,
    procReadProb,
    // servers of local clients (journald's stream sockets, the D-Bus brokers, pulseaudio,
    // logind) accept a connection on a good share of their wakeups
    connProb: unixSockets >= 10 ? 0.2 : 0,
  };
}

/** system.slice services of a Fedora 31 Workstation. */
const DESKTOP_SERVICES: Row[] = [
  ['systemd-journald.service', 'systemd-journal', 15, 20, 'etc', 0, 40, 12, 0, 100, 0.3, 8192],
  ['systemd-udevd.service', 'systemd-udevd', 20, 15_000, 'sys', 0, 4, 6, 150, 1000, 0.2, 4096],
  ['systemd-logind.service', 'systemd-logind', 20, 40, 'sys', 0, 10, 20, 0, 2000, 0.1, 2048],
  ['dbus-broker.service', 'dbus-broker', 15, 60, 'share', 0, 80, 10, 1, 50, 0.02, 4096],
  ['NetworkManager.service', 'NetworkManager', 60, 150, 'sys', 3, 6, 20, 2, 500, 0.2, 8192],
  ['firewalld.service', 'firewalld', 40, 1500, 'share', 2, 3, 6, 10, 5000, 0.05, 40960],
  ['polkit.service', 'polkitd', 50, 100, 'share', 6, 4, 8, 0, 3000, 0.1, 16384],
  ['accounts-daemon.service', 'accounts-daemon', 40, 60, 'etc', 2, 3, 6, 0, 5000, 0.2, 4096],
  ['udisks2.service', 'udisksd', 60, 400, 'sys', 4, 3, 10, 5, 2000, 0.3, 8192],
  ['upower.service', 'upowerd', 40, 100, 'sys', 2, 3, 8, 0, 2000, 0.5, 4096],
  ['ModemManager.service', 'ModemManager', 40, 60, 'sys', 2, 3, 6, 0, 5000, 0.1, 4096],
  ['avahi-daemon.service', 'avahi-daemon', 15, 30, 'etc', 0, 3, 6, 1, 3000, 0.05, 1024],
  ['chronyd.service', 'chronyd', 10, 10, 'etc', 0, 2, 4, 0, 2000, 0.05, 1024],
  ['rtkit-daemon.service', 'rtkit-daemon', 10, 5, 'etc', 2, 2, 4, 0, 10000, 0.1, 512],
  ['abrtd.service', 'abrtd', 30, 80, 'etc', 1, 3, 6, 2, 10000, 0.1, 4096],
  ['abrt-journal-core.service', 'abrt-dump-journ', 25, 20, 'etc', 0, 2, 4, 0, 5000, 0.05, 2048],
  ['abrt-oops.service', 'abrt-dump-journ', 25, 20, 'etc', 0, 2, 4, 0, 5000, 0.05, 2048],
  ['abrt-xorg.service', 'abrt-dump-journ', 25, 20, 'etc', 0, 2, 4, 0, 5000, 0.05, 2048],
  ['auditd.service', 'auditd', 10, 15, 'etc', 1, 2, 6, 1, 1000, 0.05, 2048],
  ['sssd.service', 'sssd', 30, 60, 'etc', 3, 8, 12, 2, 5000, 0.1, 8192],
  ['gdm.service', 'gdm', 50, 80, 'share', 2, 6, 10, 0, 5000, 0.05, 8192],
  ['cups.service', 'cupsd', 40, 200, 'share', 0, 4, 10, 2, 10000, 0.05, 4096],
  ['bluetooth.service', 'bluetoothd', 20, 30, 'sys', 0, 3, 6, 0, 5000, 0.1, 2048],
  ['wpa_supplicant.service', 'wpa_supplicant', 20, 10, 'etc', 0, 3, 6, 0, 2000, 0.1, 2048],
  ['switcheroo-control.service', 'switcheroo-cont', 20, 20, 'sys', 2, 2, 4, 0, 30000, 0.05, 1024],
  ['alsa-state.service', 'alsactl', 5, 20, 'share', 0, 1, 2, 0, 30000, 0.05, 512],
  ['mcelog.service', 'mcelog', 5, 5, 'etc', 0, 2, 2, 0, 10000, 0.1, 512],
  ['smartd.service', 'smartd', 10, 20, 'sys', 0, 2, 4, 0, 30000, 0.5, 1024],
  ['gssproxy.service', 'gssproxy', 15, 10, 'etc', 5, 2, 4, 0, 30000, 0.05, 2048],
  ['rngd.service', 'rngd', 10, 5, 'sys', 3, 1, 4, 0, 500, 0.05, 1024],
  ['low-memory-monitor.service', 'low-memory-moni', 10, 5, 'sys', 2, 2, 4, 0, 2000, 0.8, 512],
  ['packagekit.service', 'packagekitd', 80, 300, 'share', 3, 4, 12, 1, 10000, 0.05, 61440],
  ['fwupd.service', 'fwupd', 60, 200, 'share', 4, 3, 8, 1, 10000, 0.05, 16384],
  ['bolt.service', 'boltd', 20, 20, 'sys', 2, 2, 4, 0, 10000, 0.1, 1024],
  ['iio-sensor-proxy.service', 'iio-sensor-prox', 20, 20, 'sys', 2, 2, 4, 0, 5000, 0.2, 1024],
  ['thermald.service', 'thermald', 15, 40, 'sys', 2, 2, 4, 0, 4000, 0.5, 1024],
  ['colord.service', 'colord', 40, 100, 'share', 2, 3, 6, 0, 10000, 0.05, 4096],
  ['systemd-machined.service', 'systemd-machine', 15, 10, 'etc', 0, 3, 4, 0, 30000, 0.05, 1024],
  ['crond.service', 'crond', 15, 30, 'etc', 0, 2, 4, 0, 60000, 0.1, 1024],
  ['atd.service', 'atd', 10, 5, 'etc', 0, 1, 2, 0, 60000, 0.05, 512],
];

/** Oneshot and mount units run at boot: [unit, comm, libs, lookups, tree, run ms, helpers]. */
type OneshotRow = [string, string, number, number, keyof HostFiles, number, number];
const BOOT_ONESHOTS: OneshotRow[] = [
  ['systemd-tmpfiles-setup.service', 'systemd-tmpfile', 15, 2000, 'etc', 300, 0],
  ['systemd-tmpfiles-setup-dev.service', 'systemd-tmpfile', 15, 300, 'sys', 100, 0],
  ['systemd-udev-trigger.service', 'udevadm', 15, 8000, 'sys', 800, 0],
  ['systemd-udev-settle.service', 'udevadm', 15, 20, 'sys', 1500, 0],
  ['systemd-journal-flush.service', 'journalctl', 15, 20, 'etc', 200, 0],
  ['systemd-random-seed.service', 'systemd-random-', 10, 5, 'etc', 20, 0],
  ['systemd-remount-fs.service', 'systemd-remount', 10, 20, 'etc', 50, 1],
  ['systemd-sysctl.service', 'systemd-sysctl', 10, 300, 'sys', 50, 0],
  ['systemd-modules-load.service', 'systemd-modules', 15, 200, 'share', 200, 0],
  ['systemd-update-utmp.service', 'systemd-update-', 10, 10, 'etc', 20, 0],
  ['systemd-user-sessions.service', 'systemd-user-se', 10, 5, 'etc', 20, 0],
  ['plymouth-start.service', 'plymouthd', 25, 150, 'share', 500, 0],
  ['plymouth-read-write.service', 'plymouth', 15, 5, 'etc', 30, 0],
  ['plymouth-quit.service', 'plymouth', 15, 5, 'etc', 300, 0],
  ['plymouth-quit-wait.service', 'plymouth', 15, 5, 'etc', 2000, 0],
  ['dracut-shutdown.service', 'sh', 10, 20, 'etc', 50, 2],
  ['import-state.service', 'sh', 10, 20, 'etc', 50, 2],
  ['lvm2-monitor.service', 'lvm', 30, 400, 'sys', 300, 1],
  ['lvm2-pvscan@259:2.service', 'lvm', 30, 300, 'sys', 200, 0],
  ['systemd-fsck-root.service', 'systemd-fsck', 15, 20, 'etc', 200, 1],
  ['system-systemd\\x2dfsck.slice/systemd-fsck@dev-disk-by\\x2duuid-boot.service', 'systemd-fsck', 15, 20, 'etc', 150, 1],
  ['systemd-vconsole-setup.service', 'systemd-vconsol', 10, 30, 'share', 50, 2],
  ['kmod-static-nodes.service', 'kmod', 10, 50, 'share', 30, 0],
  ['system-systemd\\x2dbacklight.slice/systemd-backlight@backlight:intel_backlight.service', 'systemd-backlig', 10, 10, 'sys', 20, 0],
  ['systemd-rfkill.service', 'systemd-rfkill', 10, 10, 'sys', 20, 0],
  ['nfs-convert.service', 'nfsconvert', 20, 30, 'etc', 100, 1],
  ['selinux-autorelabel-mark.service', 'sh', 10, 10, 'etc', 20, 1],
  ['systemd-update-utmp-runlevel.service', 'systemd-update-', 10, 10, 'etc', 20, 0],
  ['boot.mount', 'mount', 10, 10, 'etc', 30, 0],
  ['boot-efi.mount', 'mount', 10, 10, 'etc', 30, 0],
  ['home.mount', 'mount', 10, 10, 'etc', 30, 0],
  ['tmp.mount', 'mount', 10, 10, 'etc', 20, 0],
  ['dev-hugepages.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['dev-mqueue.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['sys-kernel-debug.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['sys-fs-fuse-connections.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['sys-kernel-config.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['var-lib-nfs-rpc_pipefs.mount', 'mount', 10, 5, 'etc', 20, 0],
];

/** The GDM greeter session: ~25 processes in one session scope. */
const GREETER: Row[] = [
  ['gnome-shell', 'gnome-shell', 150, 2500, 'share', 15, 12, 30, 0, 200, 0.05, 102400],
  ['gnome-session', 'gnome-session-b', 40, 80, 'share', 3, 6, 8, 0, 5000, 0.05, 8192],
  ['Xwayland', 'Xwayland', 60, 100, 'share', 2, 6, 10, 0, 1000, 0.02, 16384],
  ['gdm-wayland-ses', 'gdm-wayland-ses', 30, 10, 'etc', 2, 2, 4, 0, 30000, 0.02, 1024],
  ['pulseaudio', 'pulseaudio', 40, 100, 'share', 3, 6, 12, 0, 200, 0.05, 8192],
  ['ibus-daemon', 'ibus-daemon', 40, 60, 'share', 2, 4, 6, 0, 3000, 0.02, 4096],
  ['at-spi-bus-laun', 'at-spi-bus-laun', 30, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048],
  ['dbus-daemon', 'dbus-daemon', 15, 30, 'share', 0, 12, 4, 0, 500, 0.02, 2048],
];
const GSD = ['a11y-settings', 'color', 'datetime', 'housekeeping', 'keyboard', 'media-keys', 'power', 'print-notifications', 'rfkill', 'screensaver-proxy', 'sharing', 'smartcard', 'sound', 'wacom', 'xsettings'];
const GSD_ROW = (name: string): Row => [`org.gnome.SettingsDaemon.${name}.service`, `gsd-${name}`.slice(0, 15), 45, 40, 'share', 3, 4, 6, 0, 3000, 0.1, 4096];

/** user@1000.service units of a GNOME 3.34 session. */
const USER_UNITS: Row[] = [
  ['gnome-shell-wayland.service', 'gnome-shell', 150, 4000, 'share', 20, 20, 40, 1, 100, 0.05, 153600],
  ['gnome-session-manager@gnome.service', 'gnome-session-b', 40, 100, 'share', 3, 8, 10, 2, 5000, 0.05, 8192],
  ['pulseaudio.service', 'pulseaudio', 40, 120, 'share', 3, 8, 14, 0, 100, 0.05, 8192],
  ['dbus.service', 'dbus-broker', 15, 60, 'share', 0, 60, 8, 1, 50, 0.02, 4096],
  ['at-spi-dbus-bus.service', 'at-spi-bus-laun', 30, 10, 'share', 3, 3, 4, 1, 30000, 0.02, 2048],
  ['gvfs-daemon.service', 'gvfsd', 40, 20, 'share', 2, 4, 6, 2, 10000, 0.05, 2048],
  ['gvfs-udisks2-volume-monitor.service', 'gvfs-udisks2-vo', 50, 40, 'sys', 3, 3, 6, 0, 5000, 0.2, 4096],
  ['gvfs-goa-volume-monitor.service', 'gvfs-goa-volume', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048],
  ['gvfs-gphoto2-volume-monitor.service', 'gvfs-gphoto2-vo', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048],
  ['gvfs-mtp-volume-monitor.service', 'gvfs-mtp-volume', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048],
  ['gvfs-afc-volume-monitor.service', 'gvfs-afc-volume', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048],
  ['gvfs-metadata.service', 'gvfsd-metadata', 35, 30, 'home', 2, 2, 4, 0, 30000, 0.02, 2048],
  ['evolution-source-registry.service', 'evolution-sourc', 70, 100, 'share', 4, 4, 8, 0, 10000, 0.02, 16384],
  ['evolution-calendar-factory.service', 'evolution-calen', 90, 150, 'share', 6, 4, 10, 0, 10000, 0.02, 24576],
  ['evolution-addressbook-factory.service', 'evolution-addre', 80, 120, 'share', 5, 4, 10, 0, 10000, 0.02, 16384],
  ['tracker-store.service', 'tracker-store', 50, 200, 'share', 4, 4, 12, 0, 1000, 0.05, 16384],
  ['tracker-miner-fs.service', 'tracker-miner-f', 70, 10_000, 'home', 4, 4, 12, 0, 500, 0.05, 32768],
  ['xdg-permission-store.service', 'xdg-permission-', 20, 10, 'home', 2, 2, 4, 0, 30000, 0.02, 1024],
  ['xdg-document-portal.service', 'xdg-document-po', 30, 10, 'home', 4, 2, 4, 0, 30000, 0.02, 2048],
  ['xdg-desktop-portal.service', 'xdg-desktop-por', 40, 30, 'share', 3, 4, 6, 0, 10000, 0.02, 4096],
  ['xdg-desktop-portal-gtk.service', 'xdg-desktop-por', 80, 200, 'share', 3, 4, 6, 0, 10000, 0.02, 8192],
  ['dconf.service', 'dconf-service', 15, 10, 'home', 2, 2, 4, 0, 10000, 0.02, 1024],
  ['goa-daemon.service', 'goa-daemon', 80, 100, 'share', 3, 4, 6, 0, 30000, 0.02, 8192],
  ['goa-identity-service.service', 'goa-identity-se', 50, 30, 'share', 3, 3, 4, 0, 30000, 0.02, 4096],
  ['gnome-keyring-daemon.service', 'gnome-keyring-d', 30, 20, 'home', 3, 4, 6, 0, 30000, 0.02, 4096],
  ['gnome-software.service', 'gnome-software', 150, 1500, 'share', 8, 6, 20, 2, 2000, 0.05, 81920],
  ['evolution-alarm-notify.service', 'evolution-alarm', 90, 200, 'share', 4, 4, 8, 0, 30000, 0.02, 16384],
  ['abrt-applet.service', 'abrt-applet', 60, 100, 'share', 3, 3, 6, 0, 30000, 0.02, 8192],
  ['ibus.service', 'ibus-daemon', 40, 60, 'share', 2, 4, 6, 2, 3000, 0.02, 4096],
];

/** A server distribution (no desktop): the services a RHEL/Fedora Server host runs. */
const SERVER_SERVICES: Row[] = [
  ['systemd-journald.service', 'systemd-journal', 15, 20, 'etc', 0, 30, 12, 0, 100, 0.3, 8192],
  ['systemd-udevd.service', 'systemd-udevd', 20, 15_000, 'sys', 0, 4, 6, 150, 1000, 0.2, 4096],
  ['systemd-logind.service', 'systemd-logind', 20, 40, 'sys', 0, 8, 20, 0, 2000, 0.1, 2048],
  ['dbus-broker.service', 'dbus-broker', 15, 60, 'share', 0, 30, 10, 1, 200, 0.02, 4096],
  ['NetworkManager.service', 'NetworkManager', 60, 150, 'sys', 3, 6, 20, 2, 500, 0.2, 8192],
  ['firewalld.service', 'firewalld', 40, 1500, 'share', 2, 3, 6, 10, 5000, 0.05, 40960],
  ['polkit.service', 'polkitd', 50, 100, 'share', 6, 4, 8, 0, 3000, 0.1, 16384],
  ['sshd.service', 'sshd', 30, 30, 'etc', 0, 2, 4, 1, 30000, 0.02, 2048],
  ['auditd.service', 'auditd', 10, 15, 'etc', 1, 2, 6, 1, 1000, 0.05, 2048],
  ['chronyd.service', 'chronyd', 10, 10, 'etc', 0, 2, 4, 0, 2000, 0.05, 1024],
  ['crond.service', 'crond', 15, 30, 'etc', 0, 2, 4, 0, 60000, 0.1, 1024],
  ['rsyslog.service', 'rsyslogd', 25, 20, 'etc', 3, 4, 8, 0, 500, 0.02, 4096],
  ['irqbalance.service', 'irqbalance', 15, 300, 'sys', 1, 2, 4, 0, 10000, 1, 2048],
  ['tuned.service', 'tuned', 40, 1200, 'share', 4, 3, 8, 6, 10000, 0.3, 24576],
  ['gssproxy.service', 'gssproxy', 15, 10, 'etc', 5, 2, 4, 0, 30000, 0.05, 2048],
  ['rngd.service', 'rngd', 10, 5, 'sys', 3, 1, 4, 0, 500, 0.05, 1024],
  ['smartd.service', 'smartd', 10, 20, 'sys', 0, 2, 4, 0, 30000, 0.5, 1024],
  ['sssd.service', 'sssd', 30, 60, 'etc', 3, 8, 12, 2, 5000, 0.1, 8192],
  ['atd.service', 'atd', 10, 5, 'etc', 0, 1, 2, 0, 60000, 0.05, 512],
  ['lvm2-lvmetad.service', 'lvmetad', 15, 10, 'etc', 2, 2, 4, 0, 30000, 0.02, 1024],
  ['opal-prd.service', 'opal-prd', 10, 40, 'sys', 0, 2, 4, 0, 10000, 0.2, 1024],
  ['rtas_errd.service', 'rtas_errd', 10, 40, 'sys', 0, 2, 4, 0, 10000, 0.1, 1024],
  ['kdump.service', 'kdumpctl', 20, 200, 'etc', 0, 1, 2, 8, 60000, 0.02, 2048],
  ['libvirtd.service', 'libvirtd', 90, 300, 'share', 16, 6, 20, 4, 5000, 0.1, 16384],
  ['getty@tty1.service', 'agetty', 5, 5, 'etc', 0, 1, 3, 0, 60000, 0.01, 256],
  ['serial-getty@hvc0.service', 'agetty', 5, 5, 'etc', 0, 1, 3, 0, 60000, 0.01, 256],
  ['systemd-machined.service', 'systemd-machine', 15, 10, 'etc', 0, 3, 4, 0, 30000, 0.05, 1024],
];

const SERVER_ONESHOTS: OneshotRow[] = BOOT_ONESHOTS.filter(([u]) => !/plymouth|backlight|rfkill|vconsole/.test(u));

export type HostProfile = 'desktop' | 'server';

/** The unit actors of a host boot, started on the loop. Returns the host. */
export function startHostBoot(ctx: WorkloadContext, profile: HostProfile, untilNs: number): SystemdHost {
  const host = new SystemdHost(ctx, distroFiles(ctx));
  const loop = ctx.loop;
  const rng = ctx.rng;
  const oneshots = profile === 'desktop' ? BOOT_ONESHOTS : SERVER_ONESHOTS;
  for (const [unit, comm, libs, lookups, tree, runMs, helpers] of oneshots) {
    const prog: ProgramSpec = { comm, libs, dataFiles: scaled(ctx, lookups, 0), dataSet: tree, negLookups: 10, anonKb: 512 };
    loop.spawn(oneshot(host, `/system.slice/${unit}`, prog, rng.fork(), { runMs, helpers, migrate: MIGRATE_BUSY }), rng.range(0, 3000) * MS);
  }
  const services = profile === 'desktop' ? DESKTOP_SERVICES : SERVER_SERVICES;
  for (const row of services) {
    const spec = daemonSpec(row, ctx.scale);
    loop.spawn(daemon(host, `/system.slice/${row[0]}`, spec, rng.fork(), { migrate: MIGRATE_BUSY, untilNs }), (1000 + rng.range(0, 7000)) * MS);
  }
  if (profile === 'desktop') {
    // the login screen: one session scope of the gdm user, many processes
    const greeter = '/user.slice/user-42.slice/session-c1.scope';
    for (const row of [...GREETER, ...GSD.map(GSD_ROW)]) {
      loop.spawn(daemon(host, greeter, daemonSpec(row, ctx.scale), rng.fork(), { migrate: MIGRATE_BUSY, untilNs }), (6000 + rng.range(0, 4000)) * MS);
    }
    loop.spawn(userLogin(ctx, host, untilNs), 20 * SEC);
  } else {
    // an administrator's ssh session
    loop.spawn(
      daemon(host, '/user.slice/user-0.slice/session-1.scope', daemonSpec(['session-1.scope', 'bash', 10, 30, 'etc', 0, 2, 4, 3, 5000, 0.05, 2048], 1), rng.fork(), {
        migrate: MIGRATE_IDLE,
        untilNs,
      }),
      30 * SEC,
    );
  }
  return host;
}

/** The user logs in at the greeter: a session scope, then the user manager's units. */
function* userLogin(ctx: WorkloadContext, host: SystemdHost, untilNs: number): Actor {
  const rng = ctx.rng.fork();
  const base = '/user.slice/user-1000.slice';
  ctx.loop.spawn(oneshot(host, '/system.slice/system-user\\x2druntime\\x2ddir.slice/user-runtime-dir@1000.service', { comm: 'systemd-user-ru', libs: 10, dataFiles: 5, dataSet: 'etc', negLookups: 5, anonKb: 256 }, rng.fork(), { runMs: 30, helpers: 0, migrate: MIGRATE_BUSY }));
  ctx.loop.spawn(daemon(host, `${base}/session-2.scope`, daemonSpec(['session-2.scope', 'gdm-session-wor', 40, 30, 'etc', 2, 4, 8, 1, 30000, 0.02, 4096], 1), rng.fork(), { migrate: MIGRATE_IDLE, untilNs }));
  yield 300 * MS;
  ctx.loop.spawn(daemon(host, `${base}/user@1000.service/init.scope`, daemonSpec(['init.scope', 'systemd', 25, 300, 'etc', 0, 10, 20, 0, 2000, 0.1, 4096], 1), rng.fork(), { migrate: MIGRATE_IDLE, untilNs }));
  yield 500 * MS;
  for (const row of [...USER_UNITS, ...GSD.map(GSD_ROW)]) {
    ctx.loop.spawn(daemon(host, `${base}/user@1000.service/${row[0]}`, daemonSpec(row, ctx.scale), rng.fork(), { migrate: MIGRATE_BUSY, untilNs }), rng.range(0, 8000) * MS);
  }
}

/** The time at which the desktop is "just loaded": a minute after login. */
export const DESKTOP_BOOT_END_NS = 90 * SEC;

export const boot: WorkloadSpec = {
  name: 'boot',
  description: 'a Fedora 31 desktop coming up under systemd: ~40 services, ~40 boot oneshots, greeter, GNOME user session; ends just after loading',
  defaultMachine: 'desktop',
  cgroup: '/',
  *steps(ctx) {
    startHostBoot(ctx, 'desktop', DESKTOP_BOOT_END_NS);
    yield* ctx.loop.run();
    const rest = DESKTOP_BOOT_END_NS - ctx.loop.nowNs;
    if (rest > 0) yield rest;
  },
};
