package dev.grad4j.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code grad4j} command. Exit codes: 0 on success, 2 for usage errors (unknown command or
 * option, bad value), 1 for any other error, which is reported as one line on stderr (set the
 * environment variable {@code GRAD4J_DEBUG=1} to get the stack trace too).
 */
@Command(
    name = "grad4j",
    mixinStandardHelpOptions = true,
    versionProvider = Grad4j.Version.class,
    description = {
      "Deep learning in pure Java, built around backpropagation"
          + " (reverse-mode automatic differentiation).",
      ""
    },
    subcommands = {
      TrainCommand.class,
      EvalCommand.class,
      ExplainCommand.class,
      GraphCommand.class,
      DashboardCommand.class,
      AttackCommand.class,
      SaliencyCommand.class,
      VisualizeCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {"", "New here? Start with: grad4j train  (then: grad4j explain)"})
public final class Grad4j implements Callable<Integer> {
  private final Charset outputCharset;
  private boolean terminal;

  @Spec CommandSpec spec;

  /** The command as {@code main} runs it, printing in the console's character set. */
  public Grad4j() {
    this(System.out.charset());
  }

  /**
   * The command with a given output character set; subcommands use plain ASCII when it cannot
   * encode their symbols.
   */
  public Grad4j(Charset outputCharset) {
    this.outputCharset = outputCharset;
  }

  Charset outputCharset() {
    return outputCharset;
  }

  /** Whether standard output is a terminal (progress bars redraw in place only then). */
  boolean terminal() {
    return terminal;
  }

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(),
        "Missing command: try 'grad4j train', 'grad4j explain', or 'grad4j --help' for a list");
  }

  /** Runs the command and exits with its exit code. */
  public static void main(String[] args) {
    Console console = System.console();
    System.exit(run(System.out, System.err, console != null && console.isTerminal(), args));
  }

  /**
   * Runs the command with the given streams and returns the exit code (for tests and embedding).
   */
  public static int run(PrintStream out, PrintStream err, String... args) {
    return run(out, err, false, args);
  }

  /**
   * Runs the command with the given streams, telling it whether {@code out} is a terminal, and
   * returns the exit code.
   */
  public static int run(PrintStream out, PrintStream err, boolean terminal, String... args) {
    PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, out.charset()), true);
    PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, err.charset()), true);
    try {
      Grad4j app = new Grad4j(out.charset());
      app.terminal = terminal;
      return commandLine(app, outWriter, errWriter).execute(args);
    } finally {
      outWriter.flush();
      errWriter.flush();
    }
  }

  /** A configured command line for {@code app}: streams, and the one-line error handler. */
  public static CommandLine commandLine(Grad4j app, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(app);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(Grad4j::reportError);
    return cl;
  }

  private static int reportError(Exception ex, CommandLine cmd, ParseResult parsed) {
    CommandLine root = cmd;
    while (root.getParent() != null) {
      root = root.getParent(); // subcommands added after setErr keep System.err; use the root's
    }
    PrintWriter err = root.getErr();
    err.println("grad4j: " + oneLine(ex));
    if ("1".equals(System.getenv("GRAD4J_DEBUG"))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return 1;
  }

  /** The exception's message on one line, or its type when it has none. */
  static String oneLine(Throwable ex) {
    String message = ex.getMessage();
    if (message == null || message.isBlank()) {
      return ex.getClass().getSimpleName();
    }
    String first = message.strip().lines().findFirst().orElse("");
    return first.length() < message.strip().length() ? first + " ..." : first;
  }

  /** Reads the version that the build wrote into {@code grad4j-version.properties}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Grad4j.class.getResourceAsStream("/grad4j-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {
        "grad4j " + p.getProperty("version", "(unknown version)"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")"
      };
    }
  }
}
