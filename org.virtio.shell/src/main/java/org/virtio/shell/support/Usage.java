package org.virtio.shell.support;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.support.CommandException;

/**
 * The one-line usage of a command, read from its {@code @Command}, {@code @Option} and {@code @Argument}
 * annotations so it cannot drift from what the shell parses, and the exception that reports a wrong
 * argument with it. The exception is Karaf's {@link CommandException}: the shell prints its text and logs it
 * at debug level only (any other exception is logged as an ERROR in {@code karaf.log}).
 */
public final class Usage {
    private Usage() {
    }

    /**
     * @param command a class annotated with {@code @Command}
     * @return e.g. {@code usage: vm:create --kernel <kernel> [--memory <memory>] <name>}
     */
    public static String of(Class<?> command) {
        Command cmd = command.getAnnotation(Command.class);
        StringBuilder text = new StringBuilder("usage: ").append(cmd.scope()).append(':').append(cmd.name());
        List<Field> arguments = new ArrayList<>();
        for (Class<?> c = command; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                Option option = field.getAnnotation(Option.class);
                if (option != null) {
                    String value = field.getType() == boolean.class ? "" : " <" + field.getName() + ">";
                    text.append(option.required() ? " " : " [").append(option.name()).append(value)
                            .append(option.required() ? "" : "]");
                }
                if (field.getAnnotation(Argument.class) != null) {
                    arguments.add(field);
                }
            }
        }
        arguments.sort(Comparator.comparingInt(f -> f.getAnnotation(Argument.class).index()));
        for (Field field : arguments) {
            Argument argument = field.getAnnotation(Argument.class);
            String name = argument.name().equals(Argument.DEFAULT) ? field.getName() : argument.name();
            String shown = argument.multiValued() ? name + "..." : name;
            text.append(argument.required() ? " <" + shown + ">" : " [<" + shown + ">]");
        }
        return text.toString();
    }

    /**
     * @param command the command class
     * @param problem what was wrong with the arguments
     * @return the exception to throw: the shell prints the problem and the usage; nothing was changed
     */
    public static CommandException wrong(Class<?> command, String problem) {
        return new CommandException("Error: " + problem + "\n" + of(command), problem);
    }

    /**
     * @param problem what failed (a {@code VmException}'s message names the VM, device, file or key)
     * @return the exception to throw for a failure that is not an argument error
     */
    public static CommandException failed(String problem) {
        return new CommandException("Error: " + problem, problem);
    }
}
