# distro-node container image.
#
# Stage 1 builds target/distro-node.jar with Maven; stage 2 runs it on a JRE as the
# unprivileged user 10001:10001 (numeric, so Kubernetes can check runAsNonRoot).
#
# Configure the node with DISTRO_* environment variables at run time (see the README's
# configuration table), e.g. DISTRO_CLUSTER_CONF or DISTRO_DNS_NAME for cluster mode.
# No secret is built into the image: pass DISTRO_CLUSTER_SECRET when the container
# starts (for example from a Kubernetes Secret).
#
# Ports: 8848 is the client port (Nacos API, probes); 9848 the gRPC port for Nacos
# 2.x/3.x clients (they dial the client port + 1000); 9849 is the peer port, opened
# only in cluster mode.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY src/node/pom.xml src/node/pom.xml
COPY src/loadgen/pom.xml src/loadgen/pom.xml
RUN mvn -B -q -pl src/node -am dependency:go-offline
COPY src ./src
RUN mvn -B -q -pl src/node -am -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 distro \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin distro
WORKDIR /app
COPY --from=build --chown=10001:10001 /src/target/distro-node.jar /app/distro-node.jar
USER 10001:10001
EXPOSE 8848 9848 9849
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:+UseG1GC"
# Exec form: java is PID 1 and receives SIGTERM itself, which starts the graceful shutdown.
ENTRYPOINT ["java", "-jar", "/app/distro-node.jar"]
