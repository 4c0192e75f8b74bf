package org.virtio.vmm.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import org.virtio.vmm.api.DeviceInfo;
import org.virtio.vmm.api.QueueInfo;
import org.virtio.vmm.api.VmException;
import org.virtio.vmm.api.VmInfo;
import org.virtio.vmm.api.VmManager;

/** Registers one {@link VmMXBean} per VM name on the platform MBean server and unregisters it when the VM goes. */
final class VmMBeans implements Inventory.VmObserver {
    private static final Logger LOG = System.getLogger(VmMBeans.class.getName());
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final VmManager manager;

    VmMBeans(VmManager manager) {
        this.manager = manager;
    }

    static ObjectName objectName(String vm) throws JMException {
        return new ObjectName("org.virtio:type=VM,name=" + vm); // names are [A-Za-z0-9._-]: no quoting needed
    }

    @Override
    public void added(String vm) {
        try {
            ObjectName name = objectName(vm);
            if (!server.isRegistered(name)) {
                server.registerMBean(new StandardMBean(new Bean(vm), VmMXBean.class, true), name);
            }
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, "VM {0}: cannot register its MBean: {1}", vm, e.toString());
        }
    }

    @Override
    public void removed(String vm) {
        try {
            ObjectName name = objectName(vm);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, "VM {0}: cannot unregister its MBean: {1}", vm, e.toString());
        }
    }

    /** The MBean of one VM: every getter reads the manager at the call. */
    private final class Bean implements VmMXBean {
        private final String vm;

        Bean(String vm) {
            this.vm = vm;
        }

        private VmInfo info() {
            try {
                return manager.info(vm);
            } catch (VmException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        @Override
        public String getName() {
            return vm;
        }

        @Override
        public String getState() {
            return info().state().name();
        }

        @Override
        public String getDetail() {
            return info().detail();
        }

        @Override
        public int getMemoryMib() {
            return info().memoryMib();
        }

        @Override
        public int getVcpus() {
            return info().vcpus();
        }

        @Override
        public String getSource() {
            return info().source();
        }

        @Override
        public String[] getErrors() {
            return info().errors().toArray(String[]::new);
        }

        @Override
        public long getPioExits() {
            return info().exits().pio();
        }

        @Override
        public long getMmioExits() {
            return info().exits().mmio();
        }

        @Override
        public long getRuns() {
            return info().exits().runs();
        }

        @Override
        public String[] getDevices() {
            return info().devices().stream().map(d -> d.name() + " type=" + d.type() + " status=" + d.status()
                    + (d.windowBase() < 0 ? "" : " window=0x" + Long.toHexString(d.windowBase()) + " irq=" + d.irq())
                    + " implementation=" + d.implementation() + " swaps=" + d.swaps()).toArray(String[]::new);
        }

        @Override
        public String[] getQueueCounters() {
            List<String> out = new ArrayList<>();
            for (DeviceInfo d : info().devices()) {
                for (QueueInfo q : d.queues()) {
                    out.add(d.name() + " q" + q.index() + " size=" + q.size() + " ready=" + q.ready() + " notifications="
                            + q.notifications() + " interrupts=" + q.interrupts());
                }
            }
            return out.toArray(String[]::new);
        }

        @Override
        public long getNotifications() {
            return info().devices().stream().flatMap(d -> d.queues().stream()).mapToLong(QueueInfo::notifications).sum();
        }

        @Override
        public long getInterrupts() {
            return info().devices().stream().flatMap(d -> d.queues().stream()).mapToLong(QueueInfo::interrupts).sum();
        }

        @Override
        public void start() throws Exception {
            try {
                manager.start(vm);
            } catch (VmException e) {
                throw new IllegalStateException(e.getMessage()); // a JDK type: JMX clients lack ours
            }
        }

        @Override
        public void stop() throws Exception {
            try {
                manager.stop(vm);
            } catch (VmException e) {
                throw new IllegalStateException(e.getMessage()); // a JDK type: JMX clients lack ours
            }
        }

        @Override
        public void pause() throws Exception {
            try {
                manager.pause(vm);
            } catch (VmException e) {
                throw new IllegalStateException(e.getMessage()); // a JDK type: JMX clients lack ours
            }
        }

        @Override
        public void resume() throws Exception {
            try {
                manager.resume(vm);
            } catch (VmException e) {
                throw new IllegalStateException(e.getMessage()); // a JDK type: JMX clients lack ours
            }
        }
    }
}
