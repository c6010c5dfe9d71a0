package dev.streamy.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

/**
 * A real Iceberg REST catalog server for tests: Jetty on a free port of 127.0.0.1 serving Iceberg's
 * own {@link RESTCatalogServlet} (from iceberg-core's test jar), whose {@link RESTCatalogAdapter}
 * routes every REST request to a {@link JdbcCatalog} on a SQLite file under the warehouse folder.
 * Clients talk to it only over HTTP, exactly as to Polaris or Lakekeeper.
 *
 * <p>It counts the HTTP requests it served ({@link #requestCount}, {@link #requests}) so a test can
 * prove that its client really went through the server.
 */
final class LocalRestCatalog implements AutoCloseable {

  private final Server server;
  private final JdbcCatalog backend;
  private final String uri;
  private final AtomicInteger requestCount;
  private final List<String> requests;

  private LocalRestCatalog(
      Server server,
      JdbcCatalog backend,
      String uri,
      AtomicInteger requestCount,
      List<String> requests) {
    this.server = server;
    this.backend = backend;
    this.uri = uri;
    this.requestCount = requestCount;
    this.requests = requests;
  }

  /**
   * Starts a server whose tables live under {@code warehouse} (a local folder that exists), with
   * the catalog database in {@code warehouse/catalog.db}.
   */
  static LocalRestCatalog start(Path warehouse) throws Exception {
    JdbcCatalog backend = new JdbcCatalog();
    backend.setConf(new Configuration());
    backend.initialize(
        "local_rest_backend",
        Map.of(
            CatalogProperties.URI,
            "jdbc:sqlite:" + warehouse.resolve("catalog.db").toAbsolutePath(),
            CatalogProperties.WAREHOUSE_LOCATION,
            warehouse.toAbsolutePath().toString(),
            // The current JDBC catalog schema (with views), so no migration warning on start.
            "jdbc.schema-version",
            "V1"));

    AtomicInteger requestCount = new AtomicInteger();
    List<String> requests = Collections.synchronizedList(new ArrayList<>());
    RESTCatalogServlet servlet =
        new RESTCatalogServlet(new RESTCatalogAdapter(backend)) {
          private static final long serialVersionUID = 1L;

          @Override
          protected void service(HttpServletRequest request, HttpServletResponse response)
              throws ServletException, IOException {
            requestCount.incrementAndGet();
            requests.add(request.getMethod() + " " + request.getRequestURI());
            super.service(request, response);
          }
        };

    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.setContextPath("/");
    context.addServlet(new ServletHolder(servlet), "/*");
    Server server = new Server(new InetSocketAddress("127.0.0.1", 0));
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      backend.close();
      throw e;
    }
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    return new LocalRestCatalog(
        server, backend, "http://127.0.0.1:" + port, requestCount, requests);
  }

  /** The catalog's base URI, {@code http://127.0.0.1:<port>}: the REST catalog {@code uri}. */
  String uri() {
    return uri;
  }

  /** How many HTTP requests the server has received so far. */
  int requestCount() {
    return requestCount.get();
  }

  /** Every request received so far, as {@code "METHOD /path"}, in arrival order. */
  List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      server.stop();
    } finally {
      backend.close();
    }
  }
}
