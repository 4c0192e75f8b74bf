/**
 * In-framework tests of the VirtIO bundles (JUnit 5 + OSGi Testing Support), run inside Felix with SCR
 * by bnd-testing-maven-plugin through {@code cnf/itest.bndrun}.
 */
package org.virtio.itest;
